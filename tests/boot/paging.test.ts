// Paging in the guest (issue C): with the kernel's own page tables switched on through the
// emulated MMU, a null dereference and a write to the kernel's code each end in a page-fault
// panic naming the TS line; mapped memory above the RAM size is usable.
import { describe, it, expect } from "vitest";
import { buildProgram } from "../../toolchain/build.ts";
import { runInV86, runInQemu, qemuChecks } from "../lib/guest.ts";
import { runBoth } from "../lib/harness.ts";
import { writeProgram } from "../lib/tmp.ts";
import fs from "node:fs";

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

describe("boot › loads and stores once paging is on, in every tier", () => {
  // tests/boot/programs/paged.ts: `work` is first called after paging_enable, so --jit lazy compiles
  // it from the `_p` stencils (no limit compare); eager compiled it at boot with the compares.
  const paged = async (fault: number) => buildProgram(writeProgram(`paging/f${fault}/paged.ts`,
    fs.readFileSync("tests/boot/programs/paged.ts", "utf8").replace("const FAULT: u32 = 0;", `const FAULT: u32 = ${fault};`)));
  const SUM = "2499016\n2499016\n"; // Σ 3i + i + (i ^ 0x5a as i8) + i over i < 1000
  it("compute the same off, lazy and eager; lazy runs without the limit compares (two instructions fewer per access)", async () => {
    const built = await paged(0);
    const runs = await Promise.all((["off", "lazy", "eager"] as const).map((jit) => runInV86(built.kbc, "paged.ts", { jit })));
    const count = (r: (typeof runs)[number]) => r.marks.get(2)! - r.marks.get(1)!;
    for (const r of runs) expect({ stdout: r.stdout, code: r.code }).toEqual({ stdout: SUM, code: 0 });
    const [off, lazy, eager] = runs.map(count);
    // 1000 iterations of 3 stores, then of 4 loads: at least 7000 accesses, each without cmp + jb;
    // but lazy's back edges check for interrupts (2 instructions a pass), where eager's checked
    // loads and stores are the safe points (the back edges `_f`: boot/variants.ts).
    expect(eager - lazy, `off ${off}, lazy ${lazy}, eager ${eager}`).toBeGreaterThanOrEqual(2 * 7000 - 2 * 2000);
    expect(lazy).toBeLessThan(off);
  });
  for (const [fault, what, out] of [
    [1, "an address + offset that wraps past 4 GiB is an out-of-bounds trap", "PANIC: out of bounds memory access at paged.ts:29\n  at kmain (paged.ts:29)\n"],
    [2, "an access whose bytes run past 4 GiB is the MMU's: a page fault", "PANIC: CPU exception #PF page fault (vector 14, error code 0x00000000 [read, not present], CR2 0xfffffffe) at paged.ts:29\n  at kmain (paged.ts:29)\n"],
  ] as const) {
    it(`${what}, the same off, lazy and eager`, async () => {
      const built = await paged(fault);
      for (const jit of ["off", "lazy", "eager"] as const) {
        const r = await runInV86(built.kbc, "paged.ts", { jit });
        expect({ jit, stdout: r.stdout, code: r.code }).toEqual({ jit, stdout: SUM + out, code: 3 });
      }
    });
  }
  it("does the same under QEMU (lazy)", async () => {
    if (!qemuChecks("paged loads and stores")) return;
    expect(await runInQemu((await paged(0)).kbc, "paged.ts", { jit: "lazy" })).toEqual({ stdout: SUM, code: 0 });
    const r = await runInQemu((await paged(1)).kbc, "paged.ts", { jit: "lazy" });
    expect(r.stdout).toContain("PANIC: out of bounds memory access at paged.ts:29\n");
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
