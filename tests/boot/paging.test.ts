// Paging in the guest (issue C): with the kernel's own page tables switched on through the
// emulated MMU, a null dereference and a write to the kernel's code each end in a page-fault
// panic naming the TS line; mapped memory above the RAM size is usable.
import { describe, it, expect } from "vitest";
import { buildProgram } from "../../toolchain/build.ts";
import { runInV86, runInQemu, qemuChecks } from "../lib/guest.ts";
import { runBoth } from "../lib/harness.ts";
import { writeProgram } from "../lib/tmp.ts";

const program = (fault: string) => `import { image_layout, image_end, outb } from "kernel-ts/arch";
import { binit, balloc } from "kernel-ts/mm/balloc";
import { paging_init, map, paging_enable, PAGE, PTE_WRITE } from "kernel-ts/mm/paging";
function ballocPage(): usize { return balloc(PAGE, PAGE); }
export function kmain(): void {
  const roStart = load<u32>(image_layout()), roEnd = load<u32>(image_layout(), 4);
  binit(image_end(), 1 << 20);
  paging_init(ballocPage);
  for (let a: usize = PAGE; a < 64 << 20; a += PAGE) map(a, a, a >= roStart && a < roEnd ? 0 : PTE_WRITE);
  map(0xc0000000, 0x800000, PTE_WRITE);
  paging_enable();
  store<u32>(0xc0000010, 0x41424344); outb(0x3f8, load<u8>(0x800010)); outb(0x3f8, 10);
  ${fault}
  outb(0x3f8, 90);
}
`;

describe("boot › paging in the guest", () => {
  it("a null dereference after paging is a page fault naming the line", async () => {
    const built = await buildProgram(writeProgram("paging/null_deref.ts", program("store<u32>(load<u32>(0x500000), 7); // memory is zero: a null pointer")));
    const r = await runInV86(built.kbc, "null_deref.ts");
    expect(r.stdout).toBe("D\nPANIC: CPU exception #PF page fault (vector 14, error code 0x00000002 [write, not present], CR2 0x00000000) at null_deref.ts:13\n  at kmain (null_deref.ts:13)\n");
    expect(r.code).toBe(3);
  });

  it("a write to the kernel's code faults (CR0.WP, read-only pages)", async () => {
    const built = await buildProgram(writeProgram("paging/code_write.ts", program("store<u32>(roStart + 0x20, 0);")));
    const r = await runInV86(built.kbc, "code_write.ts");
    expect(r.stdout).toMatch(/^D\nPANIC: CPU exception #PF page fault \(vector 14, error code 0x00000003 \[write, protection\], CR2 0x00100020\) at code_write\.ts:13\n {2}at kmain \(code_write\.ts:13\)\n$/);
    expect(r.code).toBe(3);
  });

  it("the kernel's boot sequence runs on the host too, identically under V8 and the host VM, and ends after its self-test (the guest goes on to its shell: tests/shell)", async () => {
    const r = await runBoth("kernel-ts/main.ts");
    expect(r.kbc).toEqual(r.wasm);
    expect(r.wasm.stdout).toMatch(/^tlsf: heap 0x[0-9a-f]{8}, \d+ KiB free\nselftest: \d+ passed, 0 failed\n$/m);
    expect(r.wasm.code).toBe(0);
  });
});

describe("boot › page faults handled in kernel-ts", () => {
  // Pages touched by loads and stores, then by memory.fill / memory.copy (rep stosb / movsb, which
  // the retry resumes); the refused copy's panic names its line, not a line of the copy's guts.
  const OUT = "faults 5, sum 73400510\nfaults 13, sevens 12288\nPANIC: CPU exception #PF page fault (vector 14, error code 0x00000002 [write, not present], CR2 0xf0000000) at demand.ts:34\n  at kmain (demand.ts:34)\n";
  it("the fault handler maps pages on demand and the access (or string copy) is retried; a refused fault panics (v86)", async () => {
    const r = await runInV86((await buildProgram("tests/boot/programs/demand.ts")).kbc, "demand.ts");
    expect(r.stdout).toBe(OUT);
    expect(r.code).toBe(3);
  });
  it("does the same under QEMU", async () => {
    if (!qemuChecks("page faults")) return;
    const r = await runInQemu((await buildProgram("tests/boot/programs/demand.ts")).kbc, "demand.ts");
    expect(r.stdout).toBe(OUT);
    expect(r.code).toBe(3);
  });
});

describe("boot › double fault", () => {
  const src = () => program("outb(0x3f8, irq_count(0)); // its handler is made to fault").replace("import { image_layout, image_end, outb }", "import { image_layout, image_end, outb, irq_count }");
  const OUT = "D\nPANIC: CPU exception #DF double fault (vector 8, error code 0x00000000) at double_fault.ts:13\n  at kmain (double_fault.ts:13)\n";
  it("a real one (#UD with esp = 0: #PF, #PF, #DF) runs on its own stack through the task gate and prints a panic naming the line (QEMU)", async () => {
    if (!qemuChecks("double fault")) return;
    const built = await buildProgram(writeProgram("paging/double_fault.ts", src()));
    expect(await runInQemu(built.kbc, "double_fault.ts", { inject: { op: "IRQCOUNT", fault: "df" } })).toEqual({ stdout: OUT, code: 3 });
  });
  it("v86 never raises #DF (nested page faults recurse in the emulator), so there the same gate is entered with int 8", async () => {
    const built = await buildProgram(writeProgram("paging/double_fault.ts", src()));
    const r = await runInV86(built.kbc, "double_fault.ts", { inject: { op: "IRQCOUNT", fault: "int8" } });
    expect({ stdout: r.stdout, code: r.code }).toEqual({ stdout: OUT, code: 3 });
  });
});
