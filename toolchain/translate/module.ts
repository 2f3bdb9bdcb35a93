// Translates a whole wasm module (as asc emits it for kernel-ts) into a kbc module: functions,
// signatures, globals, the indirect-call table, data segments and the line table. Rejects what
// the VM does not support with `file.ts:line:col: error: <what> is not supported by the kernel VM
// (in <function>)`, attributing problems inside the standard library (~lib) to the user's call.

import { readWasm, WasmFormatError, type WasmModule } from "../wasm/reader.ts";
import type { SourceMap } from "../sourcemap.ts";
import { KtError } from "../errors.ts";
import { displayName, typeOfShape, type KbcFunction, type KbcModule, type KbcType, type LineEntry } from "../kbc/module.ts";
import { translateFunction, Unsupported, type TranslatedFunc } from "./func.ts";

export interface TranslateOptions {
  sourceMap: SourceMap | null;
  /** Turns a source-map path into the path shown to the user. */
  showPath?: (file: string) => string;
  /** Name for messages about the whole module (no line known). */
  moduleName?: string;
}

interface Problem { func: number; offset: number; what: string }

const MAX_ERRORS = 10;
const MANAGED = "managed allocation (`new`, array, object and template literals, string concatenation; use memory.data, a StaticArray of constants, an @unmanaged class placed with changetype, or a kernel allocator)";

/** The first kbc global word of each wasm global: a word each, an i64 two (low word first). */
export function globalWords(m: WasmModule): number[] {
  let at = 0;
  return m.globals.map((g) => { const w = at; at += g.type === "i64" ? 2 : 1; return w; });
}

/** Translates `wasm` to kbc. Throws KtError (exit 2) listing every unsupported construct. */
export function translateModule(wasm: Uint8Array, opts: TranslateOptions): KbcModule {
  let m: WasmModule;
  try { m = readWasm(wasm); } catch (e) {
    if (e instanceof WasmFormatError) throw new KtError(`${opts.moduleName ?? "module"}: error: malformed wasm: ${e.message}`);
    throw e;
  }
  const show = opts.showPath ?? ((f: string) => f);
  const moduleError = (what: string): never => {
    throw new KtError(`${opts.moduleName ?? "module"}: error: ${what} is not supported by the kernel VM`);
  };
  const nImports = m.funcImports.length;
  const name = (wasmFunc: number) => m.funcNames.get(wasmFunc) ?? `function${wasmFunc}`;

  // Module-level shape.
  for (const imp of m.imports) {
    if (imp.kind === "table") moduleError("an imported table");
    if (imp.kind === "global") moduleError(`the imported global ${imp.module}.${imp.name}`);
  }
  if (m.tables.length > 1) moduleError("multiple tables");
  // Globals: a word each, an i64 two (low word first); globalWord maps a wasm global to its first.
  const globals: number[] = [];
  const globalWord = globalWords(m);
  m.globals.forEach((g, i) => {
    if (g.type !== "i32" && g.type !== "i64") moduleError(`the ${g.type} global ${i}`);
    if (g.init === null) moduleError(`global ${i}'s non-constant initialiser`);
    globals.push(g.init!);
    if (g.type === "i64") globals.push(g.initHi);
  });
  const entryExport = m.exports.get("kmain");
  if (!entryExport || entryExport.kind !== 0) throw new KtError(`${opts.moduleName ?? "module"}: error: the program exports no function kmain()`);
  if (entryExport.index < nImports) throw new KtError(`${opts.moduleName ?? "module"}: error: kmain is an import`);
  const kmainType = m.types[m.funcTypes[entryExport.index]];
  if (kmainType.params.length || kmainType.results.length) {
    throw new KtError(`${opts.moduleName ?? "module"}: error: kmain must be declared kmain(): void`);
  }

  // Signatures: one kbc type per distinct shape of value types (see KbcType). Shapes of types the
  // translator rejects (floats) only ever name functions that fail to translate.
  const types: KbcType[] = [];
  const typeIds = new Map<string, number>();
  const shapeId = (shape: string) => {
    let id = typeIds.get(shape);
    if (id === undefined) { id = types.length; types.push(typeOfShape(shape) ?? { shape, params: 0, results: 0 }); typeIds.set(shape, id); }
    return id;
  };
  const letter = (t: string) => (t === "i64" ? "I" : t === "i32" ? "i" : "?");
  const typeIdOf = (wasmType: number) => {
    const t = m.types[wasmType];
    return shapeId(`${t.params.map(letter).join("")}>${t.results.map(letter).join("")}`);
  };
  const sigId = (params: number, results: number) => shapeId(`${"i".repeat(params)}>${"i".repeat(results)}`);

  // Translate every function, collecting problems instead of stopping at the first.
  const translated: (TranslatedFunc | null)[] = [];
  const problems = new Map<number, Problem>();
  for (let i = 0; i < m.bodies.length; i++) {
    const wasmIndex = nImports + i;
    try {
      translated.push(translateFunction({
        module: m, funcIndex: wasmIndex,
        kbcIndexOf: (f) => f - nImports,
        typeIdOf, sigId,
        globalIndexOf: (g) => {
          if (g >= globalWord.length) throw new Unsupported("a global index out of range (malformed function)", 0);
          return globalWord[g];
        },
      }, m.bodies[i]));
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      translated.push(null);
      problems.set(wasmIndex, { func: wasmIndex, offset: e.offset || m.bodies[i].codeStart, what: e.what });
    }
  }
  if (problems.size) throw new KtError(formatProblems(m, problems, translated, opts.sourceMap, show, name));

  // Table.
  const table: number[] = [];
  if (m.tables.length) {
    table.length = m.tables[0].min; table.fill(-1);
    for (const seg of m.elems) {
      if (seg.offset === null) moduleError("a non-constant element segment");
      seg.funcs.forEach((f, k) => {
        if (f < nImports) moduleError(`an imported function (${name(f)}) in the function table`);
        const at = seg.offset! + k;
        if (at >= table.length) moduleError("an element segment outside the table");
        table[at] = f - nImports;
      });
    }
  }

  // Data.
  let memoryBytes = (m.memory?.min ?? 0) * 65536;
  const data = m.data.map((d) => {
    if (d.offset === null) moduleError("a passive data segment");
    memoryBytes = Math.max(memoryBytes, (d.offset! >>> 0) + d.bytes.length);
    return { addr: d.offset! >>> 0, bytes: d.bytes };
  });

  // Code, functions and the line table.
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const str = (s: string) => { let id = stringIds.get(s); if (id === undefined) { id = strings.length; strings.push(s); stringIds.set(s, id); } return id; };
  const total = translated.reduce((n, t) => n + t!.words.length, 0);
  const code = new Int32Array(total * 2);
  const wasmOffsets = new Int32Array(total);
  const functions: KbcFunction[] = [];
  const lines: LineEntry[] = [];
  let pc = 0;
  translated.forEach((t, i) => {
    const wasmIndex = nImports + i;
    const type = types[typeIdOf(m.funcTypes[wasmIndex])];
    functions.push({ name: name(wasmIndex), type: typeIdOf(m.funcTypes[wasmIndex]), params: type.params,
      results: type.results, frameSize: t!.frameSize, start: pc, length: t!.words.length });
    str(name(wasmIndex));
    const floor = m.bodies[i].codeStart;
    for (let k = 0; k < t!.words.length; k++, pc++) {
      code[2 * pc] = t!.words[k]; code[2 * pc + 1] = t!.imms[k];
      wasmOffsets[pc] = t!.offsets[k];
      const pos = opts.sourceMap?.lookup(t!.offsets[k], floor) ?? null;
      const file = pos ? str(pos.file) : 0, line = pos ? pos.line : 0;
      const last = lines[lines.length - 1];
      if (k === 0 || !last || last.file !== file || last.line !== line) lines.push({ pc, file, line });
    }
  });
  if (strings.length === 0) str("");
  return {
    strings, types, functions, code, globals, table, data, lines,
    entry: entryExport.index - nImports,
    start: m.start === null ? -1 : m.start - nImports,
    memoryBytes, wasmOffsets,
  };
}

/** Formats the problems, attributing those inside ~lib to the user functions that call them. */
function formatProblems(m: WasmModule, problems: Map<number, Problem>, translated: (TranslatedFunc | null)[],
  map: SourceMap | null, show: (f: string) => string, name: (f: number) => string): string {
  const nImports = m.funcImports.length;
  const isLib = (f: number) => name(f).startsWith("~lib/");
  // Root cause of each bad function: its own problem, or that of a bad callee (fixpoint).
  const cause = new Map<number, { what: string; via: number }>();
  for (const [f, p] of problems) cause.set(f, { what: p.what, via: -1 });
  for (let changed = true; changed;) {
    changed = false;
    translated.forEach((t, i) => {
      const f = nImports + i;
      if (!t || cause.has(f)) return;
      for (const c of t.calls) {
        const cc = cause.get(c.callee);
        if (cc) { cause.set(f, { what: cc.what, via: c.callee }); changed = true; return; }
      }
    });
  }
  const where = (f: number, offset: number) => {
    const body = m.bodies[f - nImports];
    const pos = map?.lookup(offset, body.codeStart) ?? map?.lookupAfter(offset, body.codeEnd);
    return pos ? `${show(pos.file)}:${pos.line}:${pos.col}` : `${name(f)}+0x${offset.toString(16)}`;
  };
  const lines: string[] = [];
  const add = (f: number, offset: number, what: string) => {
    const line = `${where(f, offset)}: error: ${what} is not supported by the kernel VM (in ${displayName(name(f))})`;
    if (!lines.includes(line)) lines.push(line);
  };
  for (const [f, p] of problems) if (!isLib(f)) add(f, p.offset, p.what);
  translated.forEach((t, i) => {
    const f = nImports + i;
    if (!t || isLib(f)) return;
    for (const c of t.calls) {
      if (!isLib(c.callee) || !cause.has(c.callee)) continue;
      const cc = cause.get(c.callee)!;
      const what = name(c.callee).startsWith("~lib/rt/") ? MANAGED : `${cc.what}, reached through ${displayName(name(c.callee))},`;
      add(f, c.offset, what);
    }
  });
  if (lines.length === 0) for (const [f, p] of problems) add(f, p.offset, p.what);
  const shown = lines.slice(0, MAX_ERRORS);
  if (lines.length > MAX_ERRORS) shown.push(`... and ${lines.length - MAX_ERRORS} more`);
  return shown.join("\n");
}
