// Host unit tests of kernel-ts code: compile a kernel-ts entry file with asc and instantiate its
// wasm in Node with the host devices, so tests call its exported functions directly from JS.
// A panic (abort / failed assert / trap) inside a call throws a JS Error whose message is the
// one-line `PANIC: <reason> at <file.ts>:<line>`.
import { compileProgram, type CompileOptions } from "../../toolchain/asc.ts";
import { HostDevices } from "../../emulator/host/devices.ts";
import { hostImports, WA, AbortSignal, ExitSignal } from "../../emulator/host/run.ts";
import { readAsString } from "../../toolchain/panic.ts";
import { writeHostBootInfo } from "../../emulator/host/bootinfo.ts";
import { readWasm } from "../../toolchain/wasm/reader.ts";

export interface KernelWasm {
  /** The module's exports, wrapped so a panic becomes a thrown Error. */
  fn: Record<string, (...args: number[]) => number>;
  /** Linear memory (64 MiB), as bytes. */
  mem: Uint8Array;
  /** Serial output so far (latin1). */
  serial(): string;
}

/** Compiles `entry` and instantiates it (no kmain needed). */
export async function loadKernelWasm(entry: string, opts: CompileOptions & { memoryMB?: number } = {}): Promise<KernelWasm> {
  const c = await compileProgram(entry, opts);
  const pages = ((opts.memoryMB ?? 64) << 20) / 65536;
  const memory = new WA.Memory({ initial: pages, maximum: pages });
  const mem = new Uint8Array(memory.buffer);
  let out = "";
  const dev = new HostDevices((b) => { out += Buffer.from(b).toString("latin1"); });
  // The boot information the runners give a program (kernel.boot_info, image_end, image_layout).
  writeHostBootInfo(mem, dev, Math.max(0, ...readWasm(c.wasm).data.map((d) => (d.offset ?? 0) + d.bytes.length)));
  const instance = new WA.Instance(new WA.Module(c.wasm), hostImports(memory, dev));
  const fn: KernelWasm["fn"] = {};
  for (const [name, f] of Object.entries(instance.exports)) {
    if (typeof f !== "function") continue;
    fn[name] = (...args: number[]) => {
      try {
        return (f as (...a: number[]) => number)(...args);
      } catch (e) {
        dev.flush();
        if (e instanceof AbortSignal) {
          throw new Error(`PANIC: ${readAsString(mem, e.msg) ?? "assertion failed"} at ${readAsString(mem, e.file) ?? "?"}:${e.line}`);
        }
        if (e instanceof ExitSignal) throw new Error(`exit(${e.code}) called from ${name}`);
        throw new Error(`PANIC: ${(e as Error).message} (in ${name})`);
      } finally { dev.flush(); }
    };
  }
  return { fn, mem, serial: () => out };
}
