// Runs a kbc module in the guest: linked into a Multiboot image and booted in v86 (or QEMU).
// Returns the serial output and exit code like tests/lib/harness.ts's host runners.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { linkImage, type LinkOptions } from "../../boot/image.ts";
import { Machine } from "../../emulator/machine.ts";
import { bootQemu, qemuInstalled } from "../../emulator/qemu.ts";
import type { KbcModule } from "../../toolchain/kbc/module.ts";
import type { Outcome } from "./harness.ts";
import { toolChecks } from "./tools.ts";

const TIMEOUT_MS = 60_000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kt-guest-"));
let n = 0;

async function settle(m: { exited: Promise<number>; output(): string; stop(): Promise<void> }, what: string): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no exit within ${TIMEOUT_MS} ms; output:\n${m.output()}`)), TIMEOUT_MS); });
  try {
    const code = await Promise.race([m.exited, timeout]);
    return { stdout: m.output(), code };
  } finally {
    clearTimeout(timer);
    await m.stop();
  }
}

/** Boots the module's image in v86 (64 MiB, as the host runners' default memory). */
export async function runInV86(kbc: KbcModule, name = "program", opts: LinkOptions = {}): Promise<Outcome & { instructions: number; marks: Map<number, number> }> {
  const img = linkImage(kbc, name, opts);
  const m = await Machine.boot(img.elf, { memoryMB: 64 });
  const out = await settle(m, `v86 ${name}`);
  // Each marker's id and the guest instruction count at it (the last, when one repeats).
  return { ...out, instructions: m.instructions(), marks: new Map(m.marks.map((x) => [x.id, x.instructions])) };
}

/** Boots the module's image in QEMU. */
export async function runInQemu(kbc: KbcModule, name = "program", opts: LinkOptions = {}): Promise<Outcome> {
  const img = linkImage(kbc, name, opts);
  const file = path.join(tmp, `${n++}-${name.replace(/[^\w.-]/g, "_")}.elf`);
  fs.writeFileSync(file, img.elf);
  return settle(await bootQemu(file, { memoryMB: 64 }), `qemu ${name}`);
}

/** True when qemu-system-i386 is on PATH. */
export const haveQemu = (): boolean => qemuInstalled();

/**
 * Whether to run QEMU checks: true when installed; in CI its absence is an error, elsewhere the
 * checks are left out with the reason printed once.
 */
export function qemuChecks(suite: string): boolean {
  return toolChecks(suite, { name: "qemu-system-i386", present: qemuInstalled(), install: "apt-get install qemu-system-x86", checks: "QEMU checks" });
}
