// The asc driver: compiles one kernel-ts program (an AssemblyScript entry file anywhere on disk) to
// wasm plus its source map, in memory. Imports of "kernel-ts/..." resolve to this repository's
// kernel-ts/ folder, so programs outside the repository can use the intrinsics library.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KtError } from "./errors.ts";
import { SourceMap } from "./sourcemap.ts";
import { type AscApi } from "./reject.ts";
import { ascCompile } from "./asc-core.ts";

/** The repository: the nearest folder upwards holding kernel-ts's package.json (works from bundles too). */
export const REPO_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name === "kernel-ts") return dir;
    } catch { /* keep looking */ }
    if (path.dirname(dir) === dir) return path.resolve(from, "..");
  }
}
const KERNEL_TS = path.join(REPO_ROOT, "kernel-ts");

export interface CompileOptions {
  /** Binaryen optimisation level 0..3 (default 3). */
  optimizeLevel?: number;
  /** Shrink level 0..2 (default 0). */
  shrinkLevel?: number;
  /**
   * "stub" (default): a kernel-ts program — memory imported, data at DATA_BASE. "minimal":
   * AssemblyScript's own runtime (its TLSF heap, memory.grow) in a module that owns its memory —
   * only for peer programs that benchmarks compare against; the kernel VM cannot run them.
   */
  runtime?: "stub" | "minimal";
}

export interface CompiledProgram {
  wasm: Uint8Array;
  sourceMap: SourceMap;
  /** Directory the source map's paths are relative to (the entry file's directory). */
  baseDir: string;
  entry: string;
}

type Asc = typeof import("assemblyscript/asc").default;
let ascPromise: Promise<Asc> | null = null;
function loadAsc(): Promise<Asc> {
  ascPromise ??= import("assemblyscript/asc").then((m) => m.default);
  return ascPromise;
}
/** The compiler's own API (the module asc itself uses), for the reject check's hooks. */
let apiPromise: Promise<AscApi> | null = null;
function loadApi(): Promise<AscApi> {
  apiPromise ??= import("assemblyscript").then((m) => m as unknown as AscApi);
  return apiPromise;
}

/** Maps the path asc asks for (relative to baseDir) onto the file to read, or null. */
function resolveSource(name: string, baseDir: string): string | null {
  const lib = name.replace(/\\/g, "/").match(/(?:^|\/)node_modules\/kernel-ts\/(.*)$/);
  if (lib) return path.join(KERNEL_TS, lib[1]);
  if (path.basename(name) === "asconfig.json") return null; // kernel programs take no asconfig
  return path.resolve(baseDir, name);
}

class AscCrash extends Error {}

/**
 * Runs asc with process.exit and console.error intercepted: when asc itself crashes it prints a
 * banner and calls process.exit(1), which would end kt (or a test run) on the spot. Here the
 * crash becomes a one-line KtError.
 */
async function withoutProcessExit<T>(entry: string, run: () => Promise<T>): Promise<T> {
  const con = console as unknown as { error: (...args: unknown[]) => void };
  const exit = process.exit, error = con.error;
  let crash = "";
  process.exit = ((code?: number) => { throw new AscCrash(`exit ${code}`); }) as typeof process.exit;
  con.error = (...args: unknown[]) => { crash += args.join(" ") + "\n"; };
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof AscCrash)) throw e;
    const why = crash.split("\n").map((l) => l.replace(/^\S*\s*/, "").trim()).find((l) => /Error\b/.test(l)) ?? "no reason given";
    throw new KtError(`${entry}: error: the AssemblyScript compiler crashed (${why}); simplify the code it was compiling`);
  } finally {
    process.exit = exit;
    con.error = error;
  }
}

function readSource(name: string, dir: string): string | null {
  const file = resolveSource(name, dir);
  try { return file ? fs.readFileSync(file, "utf8") : null; } catch { return null; }
}

/**
 * Compiles `entry` with asc (stub runtime, imported memory, data at DATA_BASE, source map).
 * Throws KtError (exit 2) with asc's diagnostics and the reject check's (reject.ts), one
 * `file:line:col: error ...` line each.
 */
export async function compileProgram(entry: string, opts: CompileOptions = {}): Promise<CompiledProgram> {
  const abs = path.resolve(entry);
  if (!fs.existsSync(abs)) throw new KtError(`${entry}: no such file`);
  if (!abs.endsWith(".ts")) throw new KtError(`${entry}: a kernel-ts program is a .ts file`);
  const baseDir = path.dirname(abs);
  const asc = await loadAsc();
  const rel = (p: string) => path.relative(process.cwd(), path.resolve(baseDir, p)) || p;
  // Kernel-ts's own files (imported as "kernel-ts/…", which asc files under ~lib) are shown at
  // their place in this repository.
  const show = (file: string) => {
    const kt = file.match(/^~lib\/kernel-ts\/(.*)$/);
    return kt ? path.relative(process.cwd(), path.join(KERNEL_TS, kt[1])) : file.startsWith("~lib/") ? file : rel(file);
  };
  const out = await withoutProcessExit(entry, () => ascCompile({
    asc, api: opts.runtime === "minimal" ? null : loadApi(), entryName: path.basename(abs), baseDir, optimizeLevel: opts.optimizeLevel,
    shrinkLevel: opts.shrinkLevel, runtime: opts.runtime, readFile: (name) => readSource(name, baseDir),
    sourceText: (file) => {
      const kt = file.match(/^~lib\/(kernel-ts\/.*)$/);
      return kt ? readSource(`node_modules/${kt[1]}`, baseDir) : file.startsWith("~lib/") ? asc.libraryFiles[file.slice(5).replace(/\.ts$/, "")] ?? null : readSource(file, baseDir);
    },
    show,
  }));
  if ("diagnostics" in out) throw new KtError(out.diagnostics.length ? out.diagnostics.join("\n") : `${entry}: error: ${out.error}`);
  const { wasm, mapText } = out;
  return { wasm, sourceMap: SourceMap.parse(mapText), baseDir, entry: abs };
}
