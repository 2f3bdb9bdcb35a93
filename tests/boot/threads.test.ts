// Kernel threads (issue D) in the guest: preemption by the PIT of threads that never yield,
// sleep, exit and record reuse, and a lock that keeps a read-modify-write whole; and what the
// host runners say when a program needs threads.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import { buildProgram } from "../../toolchain/build.ts";
import { VM_CONTEXT } from "../../toolchain/kbc/opcodes.ts";
import { runInV86, runInQemu, qemuChecks } from "../lib/guest.ts";
import { runBoth } from "../lib/harness.ts";
import { writeProgram } from "../lib/tmp.ts";

const OUT = "spinners that ran: 3; switched to more than once: 3; exited: 3\nreused records: yes\nshared = 6000 (contended)\n";

describe("sched › threads in the guest", () => {
  it("preempts, sleeps, exits, reuses records and locks (v86), interpreted, compiled, and with every other function left to the interpreter", async () => {
    const { kbc } = await buildProgram("tests/boot/programs/threads.ts");
    // The last: compiled and interpreted frames on every thread's stack, switches from either tier.
    for (const opts of [{ jit: "off" }, { jit: "lazy" }, { jit: "eager" }, { jit: "eager", interpreted: (f: number) => f % 2 === 0 }] as const) {
      const r = await runInV86(kbc, "threads.ts", opts);
      expect({ stdout: r.stdout, code: r.code }, JSON.stringify(opts)).toEqual({ stdout: OUT, code: 0 });
    }
  });

  it("does the same under QEMU", async () => {
    if (!qemuChecks("threads")) return;
    expect(await runInQemu((await buildProgram("tests/boot/programs/threads.ts")).kbc, "threads.ts")).toEqual({ stdout: OUT, code: 0 });
  });

  it("kernel-ts/arch's context offsets are the VM's", () => {
    const src = fs.readFileSync("kernel-ts/arch/index.ts", "utf8");
    const word = (name: string) => Number(new RegExp(`export const ${name}: u32 = (\\d+);`).exec(src)?.[1]);
    expect({ pc: word("CTX_PC"), frame: word("CTX_FRAME"), ctl: word("CTX_CTL"), stackEnd: word("CTX_STACK_END"), ctlEnd: word("CTX_CTL_END"),
      ctlFloor: word("CTX_CTL_FLOOR"), blocked: word("CTX_BLOCKED"), bytes: word("VM_CONTEXT_BYTES") }).toEqual(VM_CONTEXT);
  });

  it("a switch to a context that does not resume on an instruction panics", async () => {
    const src = `import { vm_switch } from "kernel-ts/arch";
const a = memory.data(32), b = memory.data(32);
export function kmain(): void {
  store<u32>(b, 0x12345);
  vm_switch(a, b);
}
`;
    const r = await runInV86((await buildProgram(writeProgram("threads/bad_switch.ts", src))).kbc, "bad_switch.ts");
    expect({ stdout: r.stdout, code: r.code }).toEqual({ stdout: "PANIC: thread switch to a bad context at bad_switch.ts:5\n  at kmain (bad_switch.ts:5)\n", code: 3 });
  });

  it("on the host a switch is a panic that says threads need the guest, under V8 and the host VM alike", async () => {
    const src = `import { vm_switch } from "kernel-ts/arch";
const a = memory.data(32), b = memory.data(32);
export function kmain(): void {
  vm_switch(a, b);
}
`;
    const r = await runBoth(writeProgram("threads/host_switch.ts", src));
    expect(r.kbc).toEqual(r.wasm);
    expect(r.wasm).toEqual({ stdout: "PANIC: threads need the guest VM (kt boot) at host_switch.ts:4\n  at kmain (host_switch.ts:4)\n", code: 3 });
  });
});

describe("sched › a panic in a thread", () => {
  it("prints the thread's whole backtrace (its own control stack, not the boot thread's)", async () => {
    const src = `import { image_end, exit } from "kernel-ts/arch";
import { binit, balloc } from "kernel-ts/mm/balloc";
import { sched_init, thread_create, thread_yield } from "kernel-ts/sched/thread";
function stacks(bytes: usize): usize { return balloc(bytes + 4096, 4096); }
function down(n: u32): void { if (n == 0) assert(false, "deep"); else down(n - 1); }
function worker(): void { down(2); }
export function kmain(): void {
  binit(image_end(), 4 << 20);
  sched_init(stacks, 100);
  thread_create(worker, "worker");
  thread_yield();
  exit(0);
}
`;
    const r = await runInV86((await buildProgram(writeProgram("threads/panic.ts", src))).kbc, "panic.ts");
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^PANIC: deep at panic\.ts:5\n {2}at down \(panic\.ts:5\)\n {2}at down \(panic\.ts:5\)\n {2}at down \(panic\.ts:5\)\n {2}at \w+ \(panic\.ts:6\)\n/);
  });
});
