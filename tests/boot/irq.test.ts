// Interrupts in the guest (issue D): IRQ lines latched by the native stubs and delivered to the
// kernel-ts handler at safe points — backward branches and calls — never nested; a panic inside
// the handler shows the interrupted code below an "-- interrupt --" line.
import { describe, it, expect } from "vitest";
import { buildProgram } from "../../toolchain/build.ts";
import { runInV86, runInQemu, qemuChecks } from "../lib/guest.ts";
import { runBoth } from "../lib/harness.ts";
import { writeProgram } from "../lib/tmp.ts";

const DELIVERED = "loop delivered yes; calls delivered yes; lines 1; nested 0; count >= 13; deliveries <= count yes\n";

describe("boot › interrupts", () => {
  it("delivers the PIT's IRQ 0 at a loop's backward branch, at calls, after hlt and at the loads of loops that wait for it, never nested (v86), interpreted and in compiled code", async () => {
    const { kbc } = await buildProgram("tests/boot/programs/irq.ts");
    for (const jit of ["off", "lazy", "eager"] as const) {
      const r = await runInV86(kbc, "irq.ts", { jit });
      expect(r.stdout, `--jit ${jit}`).toBe(DELIVERED);
      expect(r.code, `--jit ${jit}`).toBe(0);
    }
  });

  it("a handler slower than its interrupts does not stop the code it interrupts, in any tier", async () => {
    const { kbc } = await buildProgram("tests/boot/programs/storm.ts");
    for (const jit of ["off", "lazy", "eager"] as const) {
      const r = await runInV86(kbc, "storm.ts", { jit });
      const m = /^iterations between interrupts 1 and 300: (\d+)\n$/.exec(r.stdout);
      expect(m, `--jit ${jit}: ${r.stdout}`).not.toBeNull();
      // At least one load or store between two deliveries: 299 passes of the loop interpreted
      // (one per back edge), 149 compiled (a load and a store a pass); 0 when a delivery at a load
      // went straight to the next.
      expect(Number(m![1]), `--jit ${jit}`).toBeGreaterThanOrEqual(100);
      expect(r.code).toBe(0);
    }
  });

  it("does the same under QEMU", async () => {
    if (!qemuChecks("interrupts")) return;
    const r = await runInQemu((await buildProgram("tests/boot/programs/irq.ts")).kbc, "irq.ts");
    expect(r.stdout).toBe(DELIVERED);
    expect(r.code).toBe(0);
  });

  it("a panic in the handler shows the handler's frames, then the interrupted code", async () => {
    const src = `import { irq_handler, sti, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";
function check(irqs: u32): void { assert(irqs == 0, "tick"); }
function onIrq(irqs: u32): void { check(irqs); }
function spin(): void { for (;;) {} }
export function kmain(): void {
  pic_remap(); pit_init(1000); irq_handler(onIrq); pic_unmask(0); sti();
  spin();
}
`;
    const r = await runInV86((await buildProgram(writeProgram("irq/panic.ts", src))).kbc, "panic.ts");
    // binaryen inlines check into onIrq and spin into kmain; the frames are what is left.
    expect(r.stdout).toBe("PANIC: tick at panic.ts:4\n  at onIrq (panic.ts:4)\n  -- interrupt --\n  at kmain (panic.ts:6)\n");
    expect(r.code).toBe(3);
  });

  it("a panic in a handler that interrupted a compiled load (its loop's safe point) shows that line below the interrupt, as the interpreter does", async () => {
    const src = `import { irq_handler, sti, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";
function check(irqs: u32): void { assert(irqs == 0, "tick"); }
function onIrq(irqs: u32): void { check(irqs); }
function spin(): void { while (load<u32>(0x300000) != 7) {} }
export function kmain(): void {
  pic_remap(); pit_init(1000); irq_handler(onIrq); pic_unmask(0); sti();
  spin();
}
`;
    const { kbc } = await buildProgram(writeProgram("irq/panic_load.ts", src));
    for (const jit of ["off", "lazy", "eager"] as const) {
      const r = await runInV86(kbc, "panic_load.ts", { jit });
      expect(r.stdout, `--jit ${jit}`).toBe("PANIC: tick at panic_load.ts:4\n  at onIrq (panic_load.ts:4)\n  -- interrupt --\n  at kmain (panic_load.ts:6)\n");
      expect(r.code, `--jit ${jit}`).toBe(3);
    }
  });

  it("a handler that is not a function of the table traps like an indirect call", async () => {
    const src = `import { irq_handler_index } from "kernel-ts/arch";
export function kmain(): void {
  irq_handler_index(1000);
}
`;
    const built = await buildProgram(writeProgram("irq/bad_handler.ts", src));
    const r = await runInV86(built.kbc, "bad_handler.ts");
    expect(r.stdout).toBe("PANIC: indirect call: table index out of bounds at bad_handler.ts:3\n  at kmain (bad_handler.ts:3)\n");
    expect(r.code).toBe(3);
    const host = await runBoth(writeProgram("irq/bad_handler.ts", src));
    expect(host.kbc.stdout).toBe(r.stdout); // the host VM checks alike; V8 cannot see the table
  });

  it("on the host no interrupt arrives: irq_count is 0 and registering a handler is harmless", async () => {
    const src = `import { irq_handler, irq_count, outb, exit } from "kernel-ts/arch";
function onIrq(irqs: u32): void { outb(0x3f8, 33); }
export function kmain(): void {
  irq_handler(onIrq);
  for (let i = 0; i < 1000; i++) {}
  outb(0x3f8, 48 + irq_count(0)); outb(0x3f8, 10);
  exit(0);
}
`;
    const file = writeProgram("irq/host.ts", src);
    const r = await runBoth(file);
    expect(r.kbc).toEqual(r.wasm);
    expect(r.wasm).toEqual({ stdout: "0\n", code: 0 });
    const g = await runInV86((await buildProgram(file)).kbc, "host.ts"); // the PICs still mask everything
    expect(g.stdout).toBe("0\n");
  });
});
