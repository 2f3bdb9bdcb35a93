// What `kt debug` debugs (Node side): a .ts entry built as a debug image (asc -O 0 unless told
// otherwise, compiled code keeping every slot exact: LinkOptions.debug), or an image written by
// `kt build --debug`, which carries the same debug information after its ELF bytes (a trailer
// the loaders ignore: they read program headers only). See docs/debugging.md.

import fs from "node:fs";
import path from "node:path";
import { buildProgram } from "../../toolchain/build.ts";
import { linkImage, type Image } from "../../boot/image.ts";
import { decodeKbc, encodeKbc, type KbcModule } from "../../toolchain/kbc/module.ts";
import { debugInfo, type DebugInfo } from "../../toolchain/debuginfo.ts";
import { REPO_ROOT } from "../../toolchain/asc.ts";
import { KtError } from "../../toolchain/errors.ts";
import type { JitMode } from "../../boot/jit.ts";
import type { DebugTarget } from "./session.ts";

const MAGIC = "KTDBG1\0\0";

/** What the trailer holds besides the kbc module. */
export interface Carried { info: DebugInfo; optimized: boolean; root: string; jit: JitMode; name: string }

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

function readTrailer(bytes: Uint8Array, file: string): { kbc: KbcModule; carried: Carried } {
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

/** The absolute path of a line-table file name (as asc names it: relative to the entry's folder, `root`). */
export function sourcePathIn(root: string): (file: string) => string {
  return (file) => {
    const kt = /^~lib\/kernel-ts\/(.*)$/.exec(file);
    if (kt) return path.join(REPO_ROOT, "kernel-ts", kt[1]);
    if (file.startsWith("~lib/")) return path.join(REPO_ROOT, "node_modules/assemblyscript/std/assembly", file.slice(5));
    return path.resolve(root, file);
  };
}

export interface LoadedTarget { target: DebugTarget; elf: Uint8Array; name: string }

/** Builds (a .ts entry) or reads (an image from kt build --debug) what kt debug runs. */
export async function loadDebugTarget(file: string, opts: { optimizeLevel?: number; jit?: JitMode } = {}): Promise<LoadedTarget> {
  if (!fs.existsSync(file)) throw new KtError(`kt debug: ${file}: no such file`);
  if (file.endsWith(".ts")) {
    const level = opts.optimizeLevel ?? 0;
    const prog = await buildProgram(file, { optimizeLevel: level });
    const jit = opts.jit ?? "lazy";
    const image = linkImage(prog.kbc, path.basename(file), { jit, debug: true });
    const info = debugInfo(prog.wasm);
    return { target: { image, info, sourcePath: sourcePathIn(path.dirname(path.resolve(file))), optimized: level > 0 }, elf: image.elf, name: path.basename(file) };
  }
  if (!file.endsWith(".elf")) throw new KtError(`kt debug: ${file}: expected a .ts entry or a .elf image`);
  const bytes = fs.readFileSync(file);
  const { kbc, carried } = readTrailer(bytes, file);
  if (opts.jit && opts.jit !== carried.jit) throw new KtError(`kt debug: ${file} was built with --jit ${carried.jit}; rebuild it to change that`);
  // The image's labels: linked again from its own module (the same bytes: linking is deterministic).
  const image = linkImage(kbc, carried.name, { jit: carried.jit, debug: true });
  const elfBytes = bytes.subarray(0, image.elf.length);
  if (image.elf.length >= bytes.length || !image.elf.every((b, i) => b === elfBytes[i])) {
    throw new KtError(`kt debug: ${file}: the image does not match its debug information (built by another version of kt?)`);
  }
  return { target: { image, info: carried.info, sourcePath: sourcePathIn(carried.root), optimized: carried.optimized }, elf: image.elf, name: path.basename(file) };
}

export type { Image };
