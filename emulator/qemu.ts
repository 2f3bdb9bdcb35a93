// `kt boot --qemu`: the same Multiboot ELF booted by qemu-system-i386 (its -kernel loader reads
// Multiboot ELF32 images), or with `floppy` our floppy image (boot/floppy.ts) booted by QEMU's
// BIOS from drive A: (read-only); COM1 on the child's stdin/stdout, and the isa-debug-exit device
// on port 0xF4, which turns a guest write of v into QEMU's exit status (v << 1) | 1 — mapped back here.
// It is a SerialConsole like emulator/machine.ts's Machine, so `kt boot` drives both the same way.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KtError, EXIT } from "../toolchain/errors.ts";
import { SerialConsole, EXIT_PORT } from "./machine.ts";

export const QEMU = "qemu-system-i386";
export const QEMU_MISSING = `kt boot --qemu: ${QEMU} is not installed (apt-get install qemu-system-x86)`;

export interface QemuOptions {
  /** Guest RAM in MiB (default 64). */
  memoryMB?: number;
  /** The QEMU binary (default qemu-system-i386 on PATH). */
  binary?: string;
  /** The image is a 1.44 MB floppy (boot/floppy.ts), booted through the BIOS, not a Multiboot ELF. */
  floppy?: boolean;
  /** A BIOS ROM for QEMU (-bios) instead of its own SeaBIOS. */
  bios?: string;
}

/** The QEMU command line for an image (a Multiboot ELF, or with `boot.floppy` a floppy image). */
export function qemuArgs(elfPath: string, memoryMB = 64, debugconFile?: string, boot: { floppy?: boolean; bios?: string } = {}): string[] {
  return [
    // In -drive's option list a comma in the file name is written twice.
    ...(boot.floppy ? ["-drive", `file=${elfPath.replace(/,/g, ",,")},if=floppy,format=raw,readonly=on`, "-boot", "a"] : ["-kernel", elfPath]),
    ...(boot.bios ? ["-bios", boot.bios] : []),
    "-m", String(memoryMB),
    "-nodefaults", "-display", "none", "-monitor", "none", "-no-reboot",
    "-serial", "stdio", // COM1 ↔ our pipes; nothing else writes to stdout
    "-device", `isa-debug-exit,iobase=0x${EXIT_PORT.toString(16)},iosize=0x04`,
    // The guest writes its exit code's 4 bytes to port 0xE9 first: QEMU's own status keeps 7 bits.
    ...(debugconFile ? ["-debugcon", `file:${debugconFile}`] : []),
  ];
}

/** What the kernel prints on COM1 just before it resets the machine (kernel-ts/shell/shell.ts `reboot`). */
export const REBOOT_LINE = "rebooting\n";

/**
 * A PC emulated by QEMU in a child process. QEMU runs with -no-reboot, so a triple fault ends it
 * rather than looping; a reset the kernel announced (its last output REBOOT_LINE) starts QEMU
 * again with the same image, and the session goes on.
 */
export class QemuMachine extends SerialConsole {
  /** Set when QEMU ended without the guest writing an exit code (e.g. a triple fault with -no-reboot). */
  note: string | undefined;
  /** True when QEMU itself failed (bad image, bad option): a build/usage error, not the guest's. */
  failed = false;
  /** Reboots announced by the kernel, each a new QEMU process. */
  reboots = 0;
  private stderr = "";
  private stopping: Promise<void> | undefined;
  private child!: ChildProcess;
  private resolveGone!: () => void;
  /** Resolves when the last QEMU process has closed (none restarts after it). */
  private gone = new Promise<void>((resolve) => { this.resolveGone = resolve; });

  constructor(child: ChildProcess, private debugcon?: string, private restart?: () => ChildProcess) {
    super();
    this.attach(child);
  }

  private attach(child: ChildProcess): void {
    this.child = child;
    child.stdout!.on("data", (b: Buffer) => this.serialBytes(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    child.stderr!.on("data", (b: Buffer) => { this.stderr += b.toString("latin1"); });
    child.stdin!.on("error", () => {}); // QEMU gone: input is dropped
    child.once("error", (e) => { // only a restart can get here: the first spawn was awaited
      this.note = `kt boot --qemu: cannot start ${QEMU} again: ${e.message}`;
      this.guestExit(EXIT.PANIC);
      this.removeDebugcon();
      this.resolveGone();
    });
    child.once("close", (status, signal) => {
      if (!this.stopped && this.closed(status, signal)) return; // a new QEMU carries on
      this.removeDebugcon();
      this.resolveGone();
    });
  }

  /** QEMU ended with `status`: the guest's exit, a failure, or a reboot (true: restarted). */
  private closed(status: number | null, signal: NodeJS.Signals | null): boolean {
    if (status !== null && status & 1) { this.guestExit(this.fullExitCode(status >> 1)); return false; }
    if (status === 0 && this.restart && this.output().endsWith(REBOOT_LINE)) {
      this.reboots++;
      this.attach(this.restart());
      return true;
    }
    this.failed = status !== 0;
    this.note = status === 0
      ? "kt boot --qemu: QEMU stopped without an exit code (the guest reset or triple-faulted)"
      : `kt boot --qemu: QEMU failed (${signal ?? `status ${status}`}): ${this.stderr.trim().split("\n")[0] || "no message"}`;
    this.guestExit(EXIT.PANIC);
    return false;
  }

  /** The exit code the guest wrote to the debug console, if its low 7 bits agree with QEMU's status. */
  private fullExitCode(low7: number): number {
    if (!this.debugcon) return low7;
    try {
      const b = fs.readFileSync(this.debugcon);
      if (b.length >= 4) {
        const code = b.readUInt32LE(b.length - 4);
        if ((code & 0x7f) === low7) return code;
      }
    } catch { /* no debug console output: keep QEMU's 7 bits */ }
    return low7;
  }

  private removeDebugcon(): void {
    if (this.debugcon) fs.rmSync(path.dirname(this.debugcon), { recursive: true, force: true });
  }

  send(text: string): void {
    if (this.stopped || this.exitCode !== undefined) return;
    this.child.stdin!.write(Buffer.from(text, "latin1"));
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.markStopped();
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
      await this.gone;
    })();
    return this.stopping;
  }
}

/** True when the QEMU binary is on PATH (for messages and for tests that need it). */
export function qemuInstalled(binary = QEMU): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, binary)));
}

/** Boots `elfPath` (or the floppy image, with opts.floppy) in QEMU. A missing QEMU is a KtError (exit code 2) with the install hint. */
export async function bootQemu(elfPath: string, opts: QemuOptions = {}): Promise<QemuMachine> {
  const debugcon = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kt-qemu-")), "debugcon");
  const start = () => spawn(opts.binary ?? QEMU, qemuArgs(elfPath, opts.memoryMB, debugcon, opts), { stdio: ["pipe", "pipe", "pipe"] });
  const child = start();
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", (e: NodeJS.ErrnoException) => {
      fs.rmSync(path.dirname(debugcon), { recursive: true, force: true });
      reject(e.code === "ENOENT" ? new KtError(QEMU_MISSING) : new KtError(`kt boot --qemu: cannot start ${QEMU}: ${e.message}`));
    });
  });
  return new QemuMachine(child, debugcon, start);
}
