// The page's boot progress (emulator/web/boot-stages.ts) fed the kernel's serial output as it arrives:
// stages advance in order, a failed self-test or a panic marks a stage failed, the shell's own
// output no longer moves them, and the shell's `reboot` starts the kernel's stages again.
import { describe, it, expect } from "vitest";
import { BootProgress } from "../../emulator/web/boot-stages.ts";

const BOOT = [
  "kernel-ts: booting", "memory map:", "  0x00000000 - 0x0009ffff  available", "balloc: arena 0x0039a000 (1024 KiB)",
  "frames: 15206 free of 15206 (4 KiB)", "balloc: 73728 bytes used before paging", "paging: on, CR3 0x0039b000, 16383 pages mapped",
  "palloc: pool 0xc0000000, 1007 KiB free", "tlsf: heap 0xd0000000, 1023 KiB free", "selftest: 15 passed, 0 failed",
  "interrupts: PIT at 100 Hz, COM1 input; threads: on", "kernel-ts shell: type help", "kt> ",
].join("\n");

function started(): { p: BootProgress; changes: () => number } {
  let n = 0;
  const p = new BootProgress(() => { n++; });
  p.reset();
  p.begin("emulator");
  p.done("emulator");
  p.done("image");
  return { p, changes: () => n };
}

const states = (p: BootProgress) => Object.fromEntries(p.stages.map((s) => [s.name, s.state]));

describe("BootProgress › serial", () => {
  it("advances through every stage to the prompt, however the output is split", () => {
    const { p } = started();
    for (let i = 0; i < BOOT.length; i += 7) p.serial(BOOT.slice(i, i + 7));
    expect(p.stages.every((s) => s.state === "done")).toBe(true);
    expect(p.prompted).toBe(true);
    expect(p.stages.find((s) => s.name === "paging")!.detail).toBe("paging: on, CR3 0x0039b000, 16383 pages mapped");
  });

  it("shows the stage reached while the kernel is still booting", () => {
    const { p } = started();
    p.serial(BOOT.slice(0, BOOT.indexOf("paging:")));
    expect(states(p)).toMatchObject({ frames: "done", paging: "pending", prompt: "pending" });
  });

  it("a failed self-test marks the selftest stage failed", () => {
    const { p } = started();
    p.serial(BOOT.replace("15 passed, 0 failed", "14 passed, 1 failed"));
    expect(states(p)).toMatchObject({ tlsf: "done", selftest: "failed", prompt: "done" });
  });

  it("a panic marks the stage the kernel was in failed, with the panic line", () => {
    const { p } = started();
    p.serial("kernel-ts: booting\nmemory map:\nPANIC: out of bounds memory access at mm/frames.ts:42\n");
    const failed = p.stages.find((s) => s.state === "failed")!;
    expect(failed.name).toBe("balloc");
    expect(failed.detail).toBe("PANIC: out of bounds memory access at mm/frames.ts:42");
    p.fail("the guest exited with code 3"); // what the page says next, when the machine exits
    expect(p.stages.filter((s) => s.state === "failed").map((s) => s.name)).toEqual(["balloc"]);
  });

  it("the shell's output after the prompt moves no stage", () => {
    const { p, changes } = started();
    p.serial(BOOT);
    const detail = p.stages.find((s) => s.name === "tlsf")!.detail, n = changes();
    p.serial("heap\ntlsf: heap 0xd0000000..0xd0411000 (limit 0xe0000000), 0 used\nkt> ");
    expect(p.stages.find((s) => s.name === "tlsf")!.detail).toBe(detail);
    expect(changes()).toBe(n);
  });

  it("the shell's reboot starts the kernel's stages again, the page's stay done", () => {
    const { p } = started();
    p.serial(BOOT);
    p.serial("reboot\nrebooting\nkernel-ts: booting\nmemory map:\n");
    expect(states(p)).toMatchObject({ emulator: "done", image: "done", "memory map": "done", balloc: "pending", prompt: "pending" });
    expect(p.prompted).toBe(false);
    p.serial(BOOT);
    expect(p.prompted).toBe(true);
  });
});
