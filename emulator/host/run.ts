// Host execution of a kernel-ts program, two ways over the same device model:
//   runWasm — the wasm under V8 (the semantic oracle);
//   runKbc  — the translated kbc on the host interpreter (the VM's executable specification).
// Both return the same RunResult, and a panic is reported with the same text.

import { readWasm } from "../../toolchain/wasm/reader.ts";
import type { SourceMap } from "../../toolchain/sourcemap.ts";
import { KbcInterpreter, type Devices, type RunResult, type Profile } from "../../toolchain/kbc/interp.ts";

import { displayName, type KbcModule } from "../../toolchain/kbc/module.ts";
import { KtError, TRAP } from "../../toolchain/errors.ts";
import { readAsString, MAX_FRAMES, type PanicFrame } from "../../toolchain/panic.ts";
import { HOST_MEMORY_MB } from "../../toolchain/layout.ts";
import type { HostDevices } from "./devices.ts";
import { writeHostBootInfo } from "./bootinfo.ts";

/** The slice of the WebAssembly JS API used here (Node's types declare no values for it). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  RuntimeError: new (message?: string) => Error;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface HostRunOptions {
  memoryMB?: number;
}

/** Linear memory for a run: `memoryMB` MiB, at least what the module needs. */
function memoryFor(needBytes: number, memoryMB = HOST_MEMORY_MB): number {
  if (!Number.isInteger(memoryMB) || memoryMB < 1 || memoryMB > 4095) throw new KtError(`--memory: ${memoryMB} is not a size in MiB from 1 to 4095`);
  const bytes = memoryMB * 1024 * 1024;
  if (needBytes > bytes) throw new KtError(`the program's data needs ${Math.ceil(needBytes / 1048576)} MiB of memory; --memory is ${memoryMB}`);
  return bytes;
}


const V8_TRAPS: [RegExp, string][] = [
  [/divide by zero|remainder by zero/, TRAP.DIV_ZERO],
  [/divide result unrepresentable/, TRAP.DIV_OVERFLOW],
  [/^unreachable/, TRAP.UNREACHABLE],
  [/memory access out of bounds/, TRAP.OOB],
  [/table index is out of bounds/, TRAP.TABLE_OOB],
  [/null function|signature mismatch/, TRAP.BAD_CALL],
  [/Maximum call stack size exceeded/, TRAP.STACK],
];

export class ExitSignal { constructor(public code: number) {} }
export class AbortSignal { constructor(public msg: number, public file: number, public line: number, public stack: string) {} }

/**
 * The import object of a kernel-ts wasm on the host: `env.memory`, `env.abort` (throws
 * AbortSignal) and the `kernel` intrinsics over `dev` (`exit` throws ExitSignal).
 */
export function hostImports(memory: object, dev: Devices): Record<string, Record<string, unknown>> {
  let blocked = 0; // kernel.irq_block's flag: nothing is ever delivered on the host
  return {
    env: {
      memory,
      abort(msg: number, file: number, line: number) { throw new AbortSignal(msg, file, line, new Error().stack ?? ""); },
    },
    kernel: {
      outb: (p: number, v: number) => dev.out(p & 0xffff, v & 0xff, 1),
      outw: (p: number, v: number) => dev.out(p & 0xffff, v & 0xffff, 2),
      outl: (p: number, v: number) => dev.out(p & 0xffff, v >>> 0, 4),
      inb: (p: number) => dev.in(p & 0xffff, 1) & 0xff,
      inw: (p: number) => dev.in(p & 0xffff, 2) & 0xffff,
      inl: (p: number) => dev.in(p & 0xffff, 4) | 0,
      exit: (code: number) => { throw new ExitSignal(code >>> 0); },
      read_cr0: () => dev.readCr(0), write_cr0: (v: number) => dev.writeCr(0, v),
      read_cr2: () => dev.readCr(2), read_cr3: () => dev.readCr(3), write_cr3: (v: number) => dev.writeCr(3, v),
      invlpg: (a: number) => dev.invlpg(a >>> 0),
      cli: () => dev.setInterrupts(false), sti: () => dev.setInterrupts(true), hlt: () => dev.hlt(),
      mark: (id: number) => dev.mark(id >>> 0, -1),
      boot_info: () => dev.bootInfo() | 0,
      image_end: () => dev.imageEnd() | 0,
      image_layout: () => dev.imageLayout() | 0,
      irq_handler: () => { /* no interrupt ever arrives on the host */ },
      fault_handler: () => { /* nor a page fault */ },
      irq_block: (on: number) => { const was = blocked; blocked = on !== 0 ? 1 : 0; return was; },
      vm_context_init: () => { throw new WA.RuntimeError(TRAP.HOST_THREADS); },
      vm_switch: () => { throw new WA.RuntimeError(TRAP.HOST_THREADS); },
      irq_count: (line: number) => dev.irqCount(line & 15) | 0,
    },
  };
}

/** Runs the wasm under V8 with the host devices. */
export function runWasm(wasm: Uint8Array, sourceMap: SourceMap | null, dev: HostDevices, opts: HostRunOptions = {}, memoryBytes = 0): RunResult {
  const info = readWasm(wasm);
  const bytes = memoryFor(memoryBytes, opts.memoryMB);
  const memory = new WA.Memory({ initial: bytes / 65536, maximum: bytes / 65536 });
  const mem = new Uint8Array(memory.buffer);
  writeHostBootInfo(mem, dev, Math.max(0, ...info.data.map((d) => (d.offset ?? 0) + d.bytes.length)));
  const imports = hostImports(memory, dev);
  const framesOf = (stack: string): PanicFrame[] => {
    const frames: PanicFrame[] = [];
    for (const m of stack.matchAll(/wasm-function\[(\d+)\]:0x([0-9a-f]+)/g)) {
      const f = Number(m[1]), off = parseInt(m[2], 16);
      const body = info.bodies[f - info.funcImports.length];
      const pos = body ? sourceMap?.lookup(off, body.codeStart) : null;
      frames.push({ func: displayName(info.funcNames.get(f) ?? `function${f}`), file: pos?.file ?? null, line: pos?.line ?? 0 });
    }
    return frames;
  };
  const savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = MAX_FRAMES + 8;
  try {
    const instance = new WA.Instance(new WA.Module(wasm), imports);
    (instance.exports.kmain as () => void)();
    return { kind: "exit", code: 0 };
  } catch (e) {
    if (e instanceof ExitSignal) return { kind: "exit", code: e.code };
    if (e instanceof AbortSignal) {
      const file = readAsString(mem, e.file);
      return { kind: "panic", reason: readAsString(mem, e.msg) ?? "assertion failed",
        where: file ? { file, line: e.line } : null, frames: framesOf(e.stack) };
    }
    if (e instanceof WA.RuntimeError || e instanceof RangeError) {
      const reason = V8_TRAPS.find(([re]) => re.test(e.message))?.[1] ?? e.message;
      const frames = framesOf(e.stack ?? "");
      // V8 detects overflow in the callee's prologue; the VMs report the call that overflowed.
      if (reason === TRAP.STACK && frames.length > 1 && frames[0].file === null) frames.shift();
      return { kind: "panic", reason, where: null, frames };
    }
    throw e;
  } finally {
    Error.stackTraceLimit = savedLimit;
  }
}

/** Runs the kbc module on the host interpreter. */
export function runKbc(m: KbcModule, dev: HostDevices, opts: HostRunOptions & { profile?: boolean } = {}): { result: RunResult; profile: Profile | null } {
  const bytes = memoryFor(m.memoryBytes, opts.memoryMB);
  const memory = new ArrayBuffer(bytes);
  writeHostBootInfo(new Uint8Array(memory), dev, Math.max(0, ...m.data.map((d) => d.addr + d.bytes.length)));
  const vm = new KbcInterpreter(m, memory, dev);
  if (opts.profile) vm.enableProfile();
  return { result: vm.run(), profile: vm.profile };
}
