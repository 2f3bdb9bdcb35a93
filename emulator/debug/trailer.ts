// A debug image's debug information, after its ELF bytes (kt build --debug, kt web --debug): the
// kbc module, then a JSON record (Carried), then their lengths and a magic. Loaders ignore it
// (they read program headers only). Nothing here touches Node: the browser page reads it too.

import { decodeKbc, encodeKbc, type KbcModule } from "../../toolchain/kbc/module.ts";
import type { DebugInfo } from "../../toolchain/debuginfo.ts";
import { KtError } from "../../toolchain/errors.ts";
import type { JitMode } from "../../boot/jit.ts";

const MAGIC = "KTDBG1\0\0";

/** What the trailer holds besides the kbc module. */
export interface Carried {
  info: DebugInfo; optimized: boolean; root: string; jit: JitMode; name: string;
  /** The image's labels the debugger needs (DEBUGGER_LABELS). */
  labels: Record<string, number>;
  /** The program's sources by line-table file name (kernel-ts's and its own; not AssemblyScript's library). */
  sources: Record<string, string>;
  /** The ELF bytes' length and FNV-1a hash: the trailer belongs to them. */
  elfBytes: number; elfHash: number;
}

export function fnv(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h;
}

/** A debug image's ELF bytes followed by its debug information. */
export function withDebugTrailer(elf: Uint8Array, kbc: KbcModule, carried: Carried): Uint8Array {
  const k = encodeKbc(kbc), j = new TextEncoder().encode(JSON.stringify(carried));
  const out = new Uint8Array(elf.length + k.length + j.length + 8 + MAGIC.length);
  out.set(elf); out.set(k, elf.length); out.set(j, elf.length + k.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(elf.length + k.length + j.length, k.length, true);
  dv.setUint32(elf.length + k.length + j.length + 4, j.length, true);
  out.set(new TextEncoder().encode(MAGIC), out.length - MAGIC.length);
  return out;
}

/** The debug information after a debug image's ELF bytes (none: an error naming `file`). */
export function readTrailer(bytes: Uint8Array, file: string): { kbc: KbcModule; carried: Carried } {
  const tail = new TextDecoder().decode(bytes.subarray(bytes.length - MAGIC.length));
  if (bytes.length < 16 || tail !== MAGIC) throw new KtError(`kt debug: ${file} has no debug information: build it with kt build --debug (or debug the .ts entry)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - MAGIC.length - 8;
  const kLen = dv.getUint32(end, true), jLen = dv.getUint32(end + 4, true);
  const jStart = end - jLen, kStart = jStart - kLen;
  if (kStart < 0) throw new KtError(`kt debug: ${file}: its debug information is damaged`);
  try {
    return { kbc: decodeKbc(bytes.subarray(kStart, jStart)), carried: JSON.parse(new TextDecoder().decode(bytes.subarray(jStart, end))) as Carried };
  } catch (e) {
    throw new KtError(`kt debug: ${file}: its debug information is damaged (${(e as Error).message.split("\n")[0]})`);
  }
}

