// What `kt debug` debugs (Node side): a .ts entry built as a debug image (asc -O 0 unless told
// otherwise, compiled code keeping every slot exact: LinkOptions.debug), or an image written by
// `kt build --debug`, which carries the same debug information after its ELF bytes (a trailer
// the loaders ignore: they read program headers only). See docs/debugging.md.

import fs from "node:fs";
import path from "node:path";
import { buildProgram } from "../../toolchain/build.ts";
import { linkImage } from "../../boot/image.ts";
import type { KbcModule } from "../../toolchain/kbc/module.ts";
import { debugInfo, type DebugInfo } from "../../toolchain/debuginfo.ts";
import { REPO_ROOT } from "../../toolchain/asc.ts";
import { KtError } from "../../toolchain/errors.ts";
import type { JitMode } from "../../boot/jit.ts";
import { DEBUGGER_LABELS, type DebugTarget } from "./session.ts";
import { readTrailer, fnv, type Carried } from "./trailer.ts";
import { withDebugTrailer } from "./trailer.ts";

/** What a debug image carries for `kbc` linked into `labels`, built in `root`. */
export function carried(elf: Uint8Array, kbc: KbcModule, labels: Map<string, number>, o: { info: DebugInfo; optimized: boolean; root: string; jit: JitMode; name: string }): Carried {
  const want = new Set(DEBUGGER_LABELS);
  const sources: Record<string, string> = {};
  const where = sourcePathIn(o.root);
  for (const f of kbc.strings) {
    if (!f.endsWith(".ts") || (f.startsWith("~lib/") && !f.startsWith("~lib/kernel-ts/"))) continue;
    try { sources[f] = fs.readFileSync(where(f), "utf8"); } catch { /* a file gone since: shown without its text */ }
  }
  return { ...o, labels: Object.fromEntries([...labels].filter(([k]) => want.has(k))), sources, elfBytes: elf.length, elfHash: fnv(elf) };
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
    const d = await buildDebugImage(file, opts.optimizeLevel, opts.jit);
    return { target: { kbc: d.prog.kbc, labels: d.image.labels, info: d.carried.info, sourcePath: sourcePathIn(d.carried.root), optimized: d.carried.optimized }, elf: d.image.elf, name: path.basename(file) };
  }
  if (!file.endsWith(".elf")) throw new KtError(`kt debug: ${file}: expected a .ts entry or a .elf image`);
  const bytes = fs.readFileSync(file);
  const { kbc, carried: c } = readTrailer(bytes, file);
  if (opts.jit && opts.jit !== c.jit) throw new KtError(`kt debug: ${file} was built with --jit ${c.jit}; rebuild it to change that`);
  const elf = bytes.subarray(0, c.elfBytes);
  if (c.elfBytes >= bytes.length || fnv(elf) !== c.elfHash) throw new KtError(`kt debug: ${file}: the image does not match its debug information`);
  return { target: { kbc, labels: new Map(Object.entries(c.labels)), info: c.info, sourcePath: sourcePathIn(c.root), optimized: c.optimized }, elf, name: path.basename(file) };
}

/**
 * The debug image of a .ts entry with its trailer (kt web --debug), from the image cache while
 * its sources are unchanged.
 */
export async function debugEntryImage(entry: string, optimizeLevel = 0, jit: JitMode = "lazy"): Promise<Uint8Array> {
  const { cachedImage } = await import("../image-cache.ts");
  return cachedImage(entry, `--debug -O ${optimizeLevel} --jit ${jit}`, async () => (await buildDebugImage(entry, optimizeLevel, jit)).bytes);
}

/**
 * A .ts entry built as a debug image (asc -O 0 unless told otherwise, LinkOptions.debug): the
 * program, the image, its debug information, and the image's bytes with it after the ELF (the
 * file kt build --debug writes).
 */
export async function buildDebugImage(entry: string, optimizeLevel = 0, jit: JitMode = "lazy") {
  const prog = await buildProgram(entry, { optimizeLevel });
  const image = linkImage(prog.kbc, path.basename(entry), { jit, debug: true });
  const c = carried(image.elf, prog.kbc, image.labels, { info: debugInfo(prog.wasm), optimized: optimizeLevel > 0, root: path.dirname(path.resolve(entry)), jit, name: path.basename(entry) });
  return { prog, image, carried: c, bytes: withDebugTrailer(image.elf, prog.kbc, c) };
}
