// The build pipeline of one program: asc → wasm → kbc → verified. Every command that runs or
// writes a program goes through here, so every module is verified before it is used.

import path from "node:path";
import { compileProgram, type CompileOptions } from "./asc.ts";
import { translateModule } from "./translate/module.ts";
import { verifyKbc } from "./kbc/verify.ts";
import { decodeKbc, type KbcModule } from "./kbc/module.ts";
import type { SourceMap } from "./sourcemap.ts";
import { KtError } from "./errors.ts";

export interface BuiltProgram {
  wasm: Uint8Array;
  sourceMap: SourceMap;
  kbc: KbcModule;
}

/** Throws KtError when the module fails verification. */
export function verifyOrThrow(m: KbcModule, name: string): void {
  const errs = verifyKbc(m);
  if (errs.length) throw new KtError(`${name}: error: invalid kbc module: ${errs[0]}${errs.length > 1 ? ` (and ${errs.length - 1} more)` : ""}`);
}

/** Compiles, translates and verifies a kernel-ts program. */
export async function buildProgram(entry: string, opts: CompileOptions = {}): Promise<BuiltProgram> {
  const c = await compileProgram(entry, opts);
  const kbc = translateModule(c.wasm, {
    sourceMap: c.sourceMap,
    showPath: (f) => (f.startsWith("~lib/") ? f : path.relative(process.cwd(), path.resolve(c.baseDir, f)) || f),
    moduleName: entry,
  });
  verifyOrThrow(kbc, entry);
  return { wasm: c.wasm, sourceMap: c.sourceMap, kbc };
}

/** Loads a .kbc file's bytes: decoded and verified. */
export function loadKbc(bytes: Uint8Array, name: string): KbcModule {
  const m = decodeKbc(bytes);
  verifyOrThrow(m, name);
  return m;
}
