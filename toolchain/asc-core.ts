// One asc compile of a kernel-ts program, in memory: the options every kernel-ts build uses, asc's
// diagnostics and the reject check's (reject.ts) as `file:line:col: error: ...` lines. Nothing
// here touches Node: toolchain/asc.ts runs it on files, the page's playground in a Web Worker on
// the sources it holds (emulator/web/playground-worker.ts).

import { DATA_BASE } from "./layout.ts";
import { RejectCheck, type AscApi } from "./reject.ts";

type Asc = typeof import("assemblyscript/asc").default;

export interface AscCompileInput {
  asc: Asc;
  /** The compiler's API for the reject check (null: none, for AssemblyScript's own runtime). */
  api: Promise<AscApi> | null;
  /** The entry's file name, relative to baseDir. */
  entryName: string;
  baseDir: string;
  optimizeLevel?: number;
  shrinkLevel?: number;
  runtime?: "stub" | "minimal";
  /** A source asc asks for (relative to baseDir, or node_modules/...), or null. */
  readFile(name: string): string | null;
  /** The text of a file as asc normalises its path (for a diagnostic's line and column). */
  sourceText(file: string): string | null;
  /** How a diagnostic names that file. */
  show(file: string): string;
}

export type AscCompileResult = { wasm: Uint8Array; mapText: string } | { diagnostics: string[]; error: string };

export async function ascCompile(o: AscCompileInput): Promise<AscCompileResult> {
  const outputs = new Map<string, Uint8Array | string>();
  const diagnostics: string[] = [];
  const level = o.optimizeLevel ?? 3;
  const argv = [
    o.entryName, "--baseDir", o.baseDir,
    ...(o.runtime === "minimal" ? ["--runtime", "minimal"] : ["--runtime", "stub", "--importMemory", "--memoryBase", String(DATA_BASE), "--exportTable"]),
    "--outFile", "out.wasm", "--sourceMap", "--debug", "--noColors",
    "--optimizeLevel", String(level), "--shrinkLevel", String(o.shrinkLevel ?? 0),
  ];
  if (level > 0) argv.push("--optimize");
  const position = (file: string, text: string, offset: number) => {
    const before = text.slice(0, offset).split("\n");
    return `${o.show(file)}:${before.length}:${before[before.length - 1].length + 1}`;
  };
  const check = o.api ? new RejectCheck(await o.api) : null;
  const result = await o.asc.main(argv, {
    transforms: check ? [check.transform as never] : [],
    readFile: (name: string) => o.readFile(name),
    writeFile(name: string, contents: Uint8Array | string) { outputs.set(name, contents); },
    listFiles() { return []; },
    stdout: { write() { return true; } } as never,
    stderr: { write() { return true; } } as never,
    reportDiagnostic(d) {
      if (d.category < 3) return; // infos and warnings are not build errors
      const r = d.range as unknown as { start: number; source: { normalizedPath: string } | null } | null;
      if (check?.hides(d.code, r?.source?.normalizedPath, r?.start)) return;
      let where = "";
      if (r?.source) where = `${position(r.source.normalizedPath, o.sourceText(r.source.normalizedPath) ?? "", r.start)}: `;
      diagnostics.push(`${where}error: TS${d.code}: ${d.message}`);
    },
  });
  diagnostics.push(...(check?.problems(position) ?? []));
  if (diagnostics.length > 0 || result.error) return { diagnostics, error: result.error?.message ?? "" };
  const wasm = outputs.get("out.wasm");
  const map = outputs.get("out.wasm.map");
  if (!(wasm instanceof Uint8Array) || map === undefined) return { diagnostics: [], error: "asc produced no output" };
  return { wasm, mapText: typeof map === "string" ? map : new TextDecoder().decode(map) };
}
