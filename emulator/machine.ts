// The emulated PC: a Multiboot ELF image booted without BIOS in v86 (or, with bootFloppy, a floppy
// image booted through a BIOS), seen through its serial port (COM1) and its exit port (0xF4).
// Shared by `kt boot`, the tests and the browser page, so nothing here touches Node: the v86 wasm
// is passed in (opts.wasm), or loaded by the Node helper emulator/v86-node.ts when running under
// Node. Units: bytes, physical addresses, milliseconds.
//
//   const m = await Machine.boot(elf, { memoryMB: 64 });
//   m.onSerial((bytes) => process.stdout.write(bytes));
//   await m.expect(/login: $/, 5000);
//   m.send("root\n");
//   const code = await m.exited;     // the value the guest wrote to port 0xF4
//   await m.stop();
//
// SerialConsole holds what every machine has in common (output, expect, exit); QEMU's runner
// (emulator/qemu.ts) extends it too, so `kt boot` drives both the same way.

import type { V86 as V86Emulator, V86Options } from "v86";
import { MARK_PORT } from "../toolchain/kbc/opcodes.ts"; // the benchmark-marker port (kernel.mark)
import { HEAPMAP_PORT, readHeapMap, type HeapMap } from "./heapmap.ts";
import { multibootHeaderAt, multibootFlags, isElf32i386, programHeaders, PT_LOAD } from "../boot/elf.ts";
import { floppyImageError } from "../boot/floppy-format.ts";

/** The guest's exit port: a write of v (8, 16 or 32 bits) ends the run with exit code v. */
export const EXIT_PORT = 0xf4;

/** A benchmark marker seen by the host: its id, guest instructions so far, host time (ms). */
export interface Mark { id: number; instructions: number; ms: number }

/** Why an expect() failed: no match in time, the guest exited first, or the machine was stopped. */
export class ExpectError extends Error {
  constructor(message: string, readonly reason: "timeout" | "exited" | "stopped", readonly tail: string) { super(message); }
}

/** The last `n` lines of `text` (a final newline does not start an empty line). */
export function lastLines(text: string, n = 20): string {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.slice(-n).join("\n");
}

interface Waiter { re: RegExp; from: number; resolve(m: RegExpMatchArray): void; reject(e: ExpectError): void; timer: ReturnType<typeof setTimeout> }

/** Serial output, expect() and the exit code: the part of a machine that is not the emulator. */
export abstract class SerialConsole {
  /** Resolves with the guest's exit code (the value written to port 0xF4). */
  readonly exited: Promise<number>;
  protected exitCode: number | undefined;
  protected stopped = false;
  private resolveExit!: (code: number) => void;
  private out = "";
  private cursor = 0;
  private listeners = new Set<(bytes: Uint8Array) => void>();
  private waiters = new Set<Waiter>();
  private checkQueued = false;

  constructor() {
    this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
  }

  /** Everything the guest wrote to COM1 so far, one char per byte (latin1). */
  output(): string { return this.out; }

  /** Calls `cb` with every chunk of serial output from now on; returns an unsubscribe function. */
  onSerial(cb: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(cb);
    return () => { this.listeners.delete(cb); };
  }

  /** Types `text` (one byte per char, latin1) into COM1. */
  abstract send(text: string): void;

  /** Stops the machine and frees it; afterwards nothing keeps the process alive. Idempotent. */
  abstract stop(): Promise<void>;

  /**
   * Waits until the output since the previous successful expect() matches `re`; the next expect()
   * starts after this match. Rejects with an ExpectError (message ending in the last 20 lines of
   * output) after `timeoutMs`, or as soon as the guest exits or the machine stops without a match.
   */
  expect(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const once = new RegExp(re.source, re.flags.replace(/[gy]/g, ""));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        re: once, from: this.cursor, resolve, reject,
        timer: setTimeout(() => this.fail(w, "timeout", `no match for ${re} within ${timeoutMs} ms`), timeoutMs),
      };
      this.waiters.add(w);
      if (!this.check(w)) {
        if (this.exitCode !== undefined) this.fail(w, "exited", `the guest exited (code ${this.exitCode}) before ${re} appeared`);
        else if (this.stopped) this.fail(w, "stopped", `the machine was stopped before ${re} appeared`);
      }
    });
  }

  /** Feeds serial output bytes (from the emulator) to the buffer, the listeners and the waiters. */
  protected serialBytes(bytes: Uint8Array): void {
    if (this.exitCode !== undefined || this.stopped) return;
    this.out += latin1(bytes);
    for (const cb of this.listeners) cb(bytes);
    if (this.waiters.size && !this.checkQueued) {
      this.checkQueued = true;
      queueMicrotask(() => { this.checkQueued = false; this.checkAll(); });
    }
  }

  /** Records the guest's exit: output stops here, waiters still unmatched fail. */
  protected guestExit(code: number): void {
    if (this.exitCode !== undefined || this.stopped) return;
    this.checkAll();
    this.exitCode = code;
    for (const w of [...this.waiters]) this.fail(w, "exited", `the guest exited (code ${code}) before ${w.re} appeared`);
    this.resolveExit(code);
  }

  /** Marks the console stopped: pending expects fail, further output is ignored. */
  protected markStopped(): void {
    if (this.stopped) return;
    this.checkAll();
    this.stopped = true;
    for (const w of [...this.waiters]) this.fail(w, "stopped", `the machine was stopped before ${w.re} appeared`);
  }

  private checkAll(): void { for (const w of [...this.waiters]) this.check(w); }

  private check(w: Waiter): boolean {
    const m = w.re.exec(this.out.slice(w.from));
    if (!m) return false;
    m.index += w.from;
    this.cursor = Math.max(this.cursor, m.index + m[0].length);
    this.settle(w);
    w.resolve(m);
    return true;
  }

  private fail(w: Waiter, reason: ExpectError["reason"], what: string): void {
    this.settle(w);
    const tail = lastLines(this.out.slice(w.from), 20);
    w.reject(new ExpectError(`expect: ${what}; last 20 lines of serial output:\n${tail || "(none)"}`, reason, tail));
  }

  private settle(w: Waiter): void {
    clearTimeout(w.timer);
    this.waiters.delete(w);
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** The slice of the WebAssembly JS API used here (Node's types declare no values for it). */
interface WasmApi {
  Module: abstract new (...args: never[]) => object;
  compile(bytes: Uint8Array | ArrayBuffer): Promise<WasmModule>;
  instantiate(bytes: Uint8Array | ArrayBuffer, imports: object): Promise<{ instance: { exports: object } }>;
  instantiate(m: WasmModule, imports: object): Promise<{ exports: object }>;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
/** A compiled WebAssembly.Module. */
export type WasmModule = object;
/** The v86 wasm: its bytes, a compiled WebAssembly.Module, or v86's own `wasm_fn` (imports → exports). */
export type V86Wasm = Uint8Array | ArrayBuffer | WasmModule | ((imports: object) => Promise<object>);

export interface MachineOptions {
  /** Guest RAM in MiB (default 64). */
  memoryMB?: number;
  /** Boot with the CPU stopped: nothing runs until run() (the debugger sets its breakpoints first). */
  paused?: boolean;
  /** The v86 wasm; under Node it defaults to node_modules/v86/build/v86.wasm. */
  wasm?: V86Wasm;
}

/** Where Debian's seabios package puts the BIOS that Machine.bootFloppy needs (KT_SEABIOS overrides it in kt). */
export const SEABIOS_PATH = "/usr/share/seabios/bios.bin";

export interface FloppyBootOptions extends MachineOptions {
  /** The BIOS ROM, e.g. SeaBIOS's bios.bin (128 KiB), mapped to end at 1 MiB. */
  bios: Uint8Array;
}

/** The parts of v86's internals we use (not in its typings). */
interface V86Cpu {
  mem8: Uint8Array;
  reg32: Int32Array;
  cr: Int32Array;
  jit_dirty_cache(start: number, end: number): void;
  get_eflags(): number;
  io: {
    register_write(port: number, device: object, w8: (v: number) => void, w16: (v: number) => void, w32: (v: number) => void): void;
    ports: { write8: (this: object, v: number) => void; device: object }[];
  };
  reset_cpu(): void;
  load_multiboot(buffer: ArrayBuffer): void;
}

const POLL_MS = 250; // v86 runs well under 2^32 instructions in this time, so no wrap is missed

/** A PC emulated by v86, booted from a Multiboot ELF image or from a floppy through a BIOS. */
export class Machine extends SerialConsole {
  /** Benchmark markers written by the guest, in order. */
  readonly marks: Mark[] = [];
  private instrTotal = 0;
  private instrLast = 0;
  private poller: ReturnType<typeof setInterval> | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    /** The v86 instance (an escape hatch for tests and tools). */
    readonly emulator: V86Emulator,
    readonly memoryBytes: number,
  ) { super(); }

  /** Boots `image` (a Multiboot ELF); resolves when the CPU is about to run its first instruction. */
  static async boot(image: Uint8Array, opts: MachineOptions = {}): Promise<Machine> {
    const memoryMB = memorySize(opts, "Machine.boot");
    checkMultibootElf(image, memoryMB << 20);
    return Machine.start({ multiboot: { buffer: image.slice().buffer } }, memoryMB, opts, image.slice().buffer);
  }

  /**
   * Boots a 1.44 MB floppy image (boot/floppy.ts) the way a PC does: the BIOS (`opts.bios`) runs
   * its POST and starts the floppy's boot sector. Resolves when the CPU is about to run the BIOS's
   * first instruction. A reset (the kernel's `reboot`) runs the BIOS again. Throws a one-line
   * Error for an image that is not a floppy or a BIOS of the wrong size.
   */
  static async bootFloppy(floppy: Uint8Array, opts: FloppyBootOptions): Promise<Machine> {
    const memoryMB = memorySize(opts, "Machine.bootFloppy");
    const notFloppy = floppyImageError(floppy);
    if (notFloppy) throw new Error(notFloppy);
    const bad = biosSizeError(opts.bios.length);
    if (bad) throw new Error(bad);
    return Machine.start({ bios: { buffer: opts.bios.slice().buffer }, fda: { buffer: floppy.slice().buffer }, boot_order: BOOT_FLOPPY_FIRST }, memoryMB, opts);
  }

  /**
   * Starts v86 with `media` (a Multiboot image, or a BIOS and a floppy) and our port hooks;
   * `multiboot` is the image a reset loads again (none: the BIOS handles resets).
   */
  private static async start(media: object, memoryMB: number, opts: MachineOptions, multiboot?: ArrayBuffer): Promise<Machine> {
    const [{ V86 }, wasm] = await Promise.all([import("v86"), opts.wasm ?? defaultWasm()]);

    let machine: Machine | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      const options: V86Options = {
        wasm_fn: async (imports: object) => {
          // On failure v86 would only log an unhandled rejection: report it here and never go on.
          try { return await instantiate(wasm, imports); } catch (e) { reject(e as Error); return new Promise<never>(() => {}); }
        },
        memory_size: memoryMB << 20,
        ...media,
        autostart: !opts.paused,
        disable_speaker: true,
        disable_keyboard: true,
        disable_mouse: true,
      } as V86Options;
      const emu = new V86(options);
      machine = new Machine(emu, memoryMB << 20);
      const m = machine;
      emu.add_listener("emulator-ready", () => {
        m.hookPorts();
        // A reset through the keyboard controller (0xFE to port 0x64, the kernel's `reboot`):
        // with no BIOS v86 cannot start again by itself, so the machine loads the image anew; with
        // one, v86 resets the CPU and runs the BIOS, which boots the floppy again.
        const kbd = m.cpu().io.ports[0x64], write8 = kbd.write8;
        kbd.write8 = function (v: number) {
          if ((v & 0xff) !== 0xfe) return write8.call(this, v);
          if (multiboot) return m.reboot(multiboot);
          m.heapInfo = undefined;
          m.reboots++;
          m.pollInstructions();
          write8.call(this, v); // v86 resets the CPU now, its instruction counter to 0
          m.instrLast = 0;
        };
      });
      emu.add_listener("serial0-output-byte", (byte: number) => {
        m.pollInstructions();
        m.serialBytes(Uint8Array.of(byte));
      });
      emu.add_listener("emulator-loaded", () => resolve());
    });
    try {
      await ready;
    } catch (e) {
      await machine?.emulator.destroy().catch(() => {});
      throw new Error(`Machine.boot: v86 did not start: ${(e as Error).message}`);
    }
    const m = machine!;
    m.poller = setInterval(() => m.pollInstructions(), POLL_MS);
    (m.poller as { unref?: () => void }).unref?.();
    return m;
  }

  send(text: string): void {
    if (this.stopped || this.exitCode !== undefined) return;
    this.emulator.serial0_send(text);
  }

  /** Guest x86 instructions executed so far (continuous across the 32-bit counter's wraps). */
  instructions(): number {
    this.pollInstructions();
    return this.instrTotal;
  }

  /** A copy of `len` bytes of guest physical memory at `addr`. */
  readPhys(addr: number, len: number): Uint8Array {
    if (!(addr >= 0 && len >= 0 && addr + len <= this.memoryBytes)) {
      throw new RangeError(`readPhys: 0x${addr.toString(16)}+${len} is outside guest memory (${this.memoryBytes >> 20} MiB)`);
    }
    return this.cpu().mem8.slice(addr, addr + len);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.pollInstructions();
      this.markStopped();
      if (this.poller !== undefined) clearInterval(this.poller);
      this.poller = undefined;
      await this.emulator.destroy();
    })();
    return this.stopping;
  }

  /** Resets: the guest rebooted; their figures go on. */
  reboots = 0;

  /** Starts (or restarts) the CPU: after a paused boot, or after pause(). */
  run(): void { if (!this.stopped) void this.emulator.run(); }

  /** Stops the CPU between two of its slices; resolves once it has stopped. */
  async pause(): Promise<void> { if (!this.stopped) await this.emulator.stop(); }

  /**
   * The CPU's registers (for the debugger, while paused): eax, ecx, edx, ebx, esp, ebp, esi, edi
   * (writable), control registers 0..7, and EFLAGS.
   */
  registers(): { reg32: Int32Array; cr: Int32Array; eflags: number } {
    const cpu = this.cpu();
    return { reg32: cpu.reg32, cr: cpu.cr, eflags: cpu.get_eflags() };
  }

  /** Writes guest physical memory (telling v86 to drop code it compiled from those bytes). */
  writePhys(addr: number, bytes: Uint8Array): void {
    if (!(addr >= 0 && addr + bytes.length <= this.memoryBytes)) {
      throw new RangeError(`writePhys: 0x${addr.toString(16)}+${bytes.length} is outside guest memory (${this.memoryBytes >> 20} MiB)`);
    }
    const cpu = this.cpu();
    cpu.jit_dirty_cache(addr, addr + bytes.length);
    cpu.mem8.set(bytes, addr);
  }

  private portHooks = new Map<number, (v: number) => void>();
  /** Calls `fn` with every value the guest writes to I/O port `port` (8, 16 or 32 bits), across reboots. */
  onPortWrite(port: number, fn: (v: number) => void): void {
    this.portHooks.set(port, fn);
    this.cpu().io.register_write(port, this, fn, fn, fn);
  }

  /** Our port handlers: v86's Multiboot loader leaves a 0xF4 write handler that throws; ours records the exit. */
  private hookPorts(): void {
    const cpu = this.cpu();
    const exit = (v: number) => this.onExitWrite(v);
    cpu.io.register_write(EXIT_PORT, this, exit, exit, exit);
    const mark = (v: number) => this.marks.push({ id: v >>> 0, instructions: this.instructions(), ms: performance.now() });
    cpu.io.register_write(MARK_PORT, this, mark, mark, mark);
    const heapInfo = (v: number) => { this.heapInfo = v >>> 0; };
    cpu.io.register_write(HEAPMAP_PORT, this, heapInfo, heapInfo, heapInfo);
    for (const [port, fn] of this.portHooks) cpu.io.register_write(port, this, fn, fn, fn);
  }

  /** The heap-map descriptor's address, once the kernel has announced it (kernel-ts/mm/heapmap.ts). */
  private heapInfo: number | undefined;

  /**
   * The kernel's heaps, block by block, read from guest memory now (emulator/heapmap.ts);
   * undefined before the kernel has announced them in this boot.
   */
  heapMap(): HeapMap | undefined {
    if (this.heapInfo === undefined || this.stopping) return undefined;
    return readHeapMap((addr, len) => this.readPhys(addr, len), this.heapInfo);
  }

  /** A CPU reset without a BIOS: memory cleared, `image` loaded again, ports hooked again (after the current instruction). */
  private reboot(image: ArrayBuffer): void {
    setTimeout(() => {
      if (this.stopping) return;
      const cpu = this.cpu();
      this.pollInstructions();
      cpu.reset_cpu(); // the instruction counter too: the count goes on from here
      this.instrLast = 0;
      cpu.mem8.fill(0);
      cpu.load_multiboot(image.slice(0));
      this.heapInfo = undefined;
      this.hookPorts();
      this.reboots++;
    }, 0);
  }

  private cpu(): V86Cpu {
    return (this.emulator as unknown as { v86: { cpu: V86Cpu } }).v86.cpu;
  }

  private onExitWrite(value: number): void {
    if (this.exitCode !== undefined || this.stopped) return;
    this.pollInstructions();
    this.guestExit(value >>> 0);
    // The exit is final: freeze the counter and stop the CPU (v86 finishes its current slice).
    void this.stop();
  }

  private pollInstructions(): void {
    if (this.stopped) return;
    const now = this.emulator.get_instruction_counter() >>> 0;
    this.instrTotal += (now - this.instrLast) >>> 0;
    this.instrLast = now;
  }
}

/** Why a BIOS image of `bytes` cannot be mapped below 1 MiB, or undefined when it can. */
export function biosSizeError(bytes: number): string | undefined {
  if (bytes >= 65536 && bytes <= 262144 && bytes % 65536 === 0) return undefined;
  return `not a BIOS image: ${bytes} bytes (SeaBIOS's bios.bin is 128 KiB; 64, 128, 192 or 256 KiB fit below 1 MiB)`;
}

/** The guest RAM of `opts` in MiB (default 64), checked: 2 to 3072. */
function memorySize(opts: MachineOptions, who: string): number {
  const memoryMB = opts.memoryMB ?? 64;
  if (!Number.isInteger(memoryMB) || memoryMB < 2 || memoryMB > 3072) throw new Error(`${who}: memory must be 2 to 3072 MiB, not ${memoryMB}`);
  return memoryMB;
}

/** v86's boot_order for floppy, then hard disk, then CD (BOOT_ORDER_FD_FIRST in its src/rtc.js). */
const BOOT_FLOPPY_FIRST = 0x321;

async function instantiate(wasm: V86Wasm, imports: object): Promise<object> {
  if (typeof wasm === "function") return (wasm as (imports: object) => Promise<object>)(imports);
  if (wasm instanceof WA.Module) return (await WA.instantiate(wasm, imports)).exports;
  return (await WA.instantiate(wasm as Uint8Array | ArrayBuffer, imports)).instance.exports;
}

async function defaultWasm(): Promise<V86Wasm> {
  if (typeof process === "undefined" || !process.versions?.node) {
    throw new Error("Machine.boot: pass opts.wasm (the bytes of v86.wasm) outside Node");
  }
  const { nodeV86Wasm } = await import("./v86-node.ts");
  return nodeV86Wasm();
}

/**
 * Checks what v86's loader would otherwise get silently wrong: a Multiboot header (magic,
 * checksum) in the first 8 KiB, an ELF32 i386 executable (no a.out kludge), segments that fit in
 * guest memory. Throws a one-line Error.
 */
export function checkMultibootElf(image: Uint8Array, memoryBytes: number): void {
  const header = multibootHeaderAt(image);
  if (header < 0) throw new Error("not a Multiboot image: no Multiboot header (magic 0x1BADB002 and checksum) in its first 8 KiB");
  if (multibootFlags(image, header) & 0x10000) throw new Error("Multiboot images with the a.out kludge (flag bit 16) are not supported; write an ELF");
  if (!isElf32i386(image)) throw new Error("not an ELF32 i386 executable");
  const headers = programHeaders(image);
  if (!headers) throw new Error("malformed ELF: bad program header table");
  for (const [i, { type, offset, paddr, filesz, memsz }] of headers.entries()) {
    if (type !== PT_LOAD) continue;
    if (offset + filesz > image.length) throw new Error(`malformed ELF: segment ${i} runs past the end of the file`);
    if (paddr + memsz >= memoryBytes) {
      throw new Error(`the image needs memory up to 0x${(paddr + memsz).toString(16)} but the machine has ${memoryBytes >> 20} MiB`);
    }
  }
}
