// The kbc module: what the translator produces and every VM runs, and its file format (.kbc).
//
// File layout (all integers u32 little-endian unless noted):
//
//   ┌──────────────────────────────────────────────┐
//   │ "KBC1" magic, version (2), section count     │
//   ├──────────────────────────────────────────────┤
//   │ section: id, byte length, payload            │  × count, ids in the order below
//   └──────────────────────────────────────────────┘
//
//   1 strings   count, then (length, UTF-8 bytes)*          names and file paths, by index
//   2 types     count, then shape*                          signatures, for CALLI checks: a string
//                                                           of value types, params > results, each
//                                                           `i` (i32, one slot) or `I` (i64, two)
//   3 funcs     count, then (name, type, params, results, frameSize, start, length)*
//   4 code      instruction count, then 2 words each       see opcodes.ts for the word
//   5 globals   count, then initial value*
//   6 table     count, then function index* (0xFFFFFFFF = null)
//   7 data      count, then (address, length, bytes padded to 4)*
//   8 lines     count, then (pc, file string, line)*       runs: pc.. maps to file:line
//   9 entry     kmain function index, start function index (0xFFFFFFFF = none), memory bytes needed

import { KtError } from "../errors.ts";

export interface KbcFunction {
  name: string;       // as asc names it, e.g. "prog/fib"
  type: number;       // index into types
  params: number;     // slots the parameters take (an i64 takes two)
  results: number;    // slots the result takes: 0, 1 or 2 (i64)
  frameSize: number;  // slots
  start: number;      // first instruction (index into code)
  length: number;     // instructions
}

export interface LineEntry { pc: number; file: number; line: number }

/**
 * A signature. `shape` spells its value types, parameters then `>` then results, each `i` (i32)
 * or `I` (i64): `(a: u32, b: u64) => u64` is "iI>I". params and results count slots.
 */
export interface KbcType { shape: string; params: number; results: number }

/** The signature of a shape, or null when it is not one ("iI>I"; at most one result). */
export function typeOfShape(shape: string): KbcType | null {
  const m = /^([iI]*)>([iI]?)$/.exec(shape);
  if (!m) return null;
  const slots = (s: string) => s.length + (s.match(/I/g)?.length ?? 0);
  return { shape, params: slots(m[1]), results: slots(m[2]) };
}

export interface KbcModule {
  strings: string[];
  types: KbcType[];
  functions: KbcFunction[];
  code: Int32Array;                  // 2 words per instruction
  globals: number[];
  table: number[];                   // function index or -1
  data: { addr: number; bytes: Uint8Array }[];
  lines: LineEntry[];                // sorted by pc; file indexes strings
  entry: number;                     // kmain
  start: number;                     // wasm start function or -1
  memoryBytes: number;               // minimum linear memory the module needs
  /** Wasm byte offset of every instruction (host-side only; not in the file). */
  wasmOffsets?: Int32Array;
}

const MAGIC = 0x3143424b; // "KBC1"
const VERSION = 2;         // 2: signatures as shapes (i64)
const NONE = 0xffffffff;

/** The function containing instruction `pc`, or -1. */
export function functionAt(m: KbcModule, pc: number): number {
  let lo = 0, hi = m.functions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1, f = m.functions[mid];
    if (pc < f.start) hi = mid - 1;
    else if (pc >= f.start + f.length) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The TS file:line of instruction `pc`, or null when it has none. */
export function lineAt(m: KbcModule, pc: number): { file: string; line: number } | null {
  let lo = 0, hi = m.lines.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (m.lines[mid].pc <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return null;
  const e = m.lines[found];
  if (e.line === 0) return null;
  const f = functionAt(m, pc);
  if (f >= 0 && e.pc < m.functions[f].start) return null; // run belongs to an earlier function
  return { file: m.strings[e.file], line: e.line };
}

/** A function's name as users read it: "prog/Foo#bar" → "Foo#bar", "~lib/rt/stub/__alloc" → "__alloc". */
export function displayName(name: string): string {
  const lt = name.indexOf("<");
  const head = lt < 0 ? name : name.slice(0, lt);
  return name.slice(head.lastIndexOf("/") + 1);
}

class Writer {
  private words: number[] = [];
  u32(v: number): void { this.words.push(v >>> 0); }
  str(bytes: Uint8Array): void {
    this.u32(bytes.length);
    const padded = new Uint8Array((bytes.length + 3) & ~3);
    padded.set(bytes);
    const dv = new DataView(padded.buffer);
    for (let i = 0; i < padded.length; i += 4) this.u32(dv.getUint32(i, true));
  }
  get length(): number { return this.words.length; }
  take(): number[] { const w = this.words; this.words = []; return w; }
}

/** Serialises a module to the .kbc file format. */
export function encodeKbc(m: KbcModule): Uint8Array {
  const sections: [number, number[]][] = [];
  const w = new Writer();
  const enc = new TextEncoder();
  w.u32(m.strings.length); for (const s of m.strings) w.str(enc.encode(s)); sections.push([1, w.take()]);
  w.u32(m.types.length); for (const t of m.types) w.str(enc.encode(t.shape)); sections.push([2, w.take()]);
  const strIndex = new Map(m.strings.map((s, i) => [s, i]));
  w.u32(m.functions.length);
  for (const f of m.functions) {
    const si = strIndex.get(f.name);
    if (si === undefined) throw new Error(`internal: function name ${f.name} not in strings`);
    for (const v of [si, f.type, f.params, f.results, f.frameSize, f.start, f.length]) w.u32(v);
  }
  sections.push([3, w.take()]);
  w.u32(m.code.length >> 1); for (const v of m.code) w.u32(v); sections.push([4, w.take()]);
  w.u32(m.globals.length); for (const g of m.globals) w.u32(g); sections.push([5, w.take()]);
  w.u32(m.table.length); for (const t of m.table) w.u32(t < 0 ? NONE : t); sections.push([6, w.take()]);
  w.u32(m.data.length); for (const d of m.data) { w.u32(d.addr); w.str(d.bytes); } sections.push([7, w.take()]);
  w.u32(m.lines.length); for (const l of m.lines) { w.u32(l.pc); w.u32(l.file); w.u32(l.line); } sections.push([8, w.take()]);
  w.u32(m.entry); w.u32(m.start < 0 ? NONE : m.start); w.u32(m.memoryBytes); sections.push([9, w.take()]);
  const total = 3 + sections.reduce((n, [, s]) => n + 2 + s.length, 0);
  const out = new Uint32Array(total);
  let p = 0;
  out[p++] = MAGIC; out[p++] = VERSION; out[p++] = sections.length;
  for (const [id, s] of sections) { out[p++] = id; out[p++] = s.length * 4; out.set(s, p); p += s.length; }
  return new Uint8Array(out.buffer);
}

/** Parses a .kbc file. Structural problems throw KtError("malformed kbc module: ..."). */
export function decodeKbc(bytes: Uint8Array): KbcModule {
  const bad = (why: string): never => { throw new KtError(`malformed kbc module: ${why}`); };
  if (bytes.length < 12 || bytes.length % 4 !== 0) bad("size is not a whole number of words");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nwords = bytes.length / 4;
  let p = 0;
  const u32 = (): number => { if (p >= nwords) bad("truncated"); return dv.getUint32(4 * p++, true); };
  const count = (max: number): number => { const n = u32(); if (n > max) bad(`count ${n} too large`); return n; };
  const str = (): Uint8Array => {
    const n = count(4 * (nwords - p));
    const start = 4 * p; p += (n + 3) >> 2; if (p > nwords) bad("truncated");
    return bytes.slice(start, start + n);
  };
  if (u32() !== MAGIC) bad("bad magic (not a .kbc file)");
  if (u32() !== VERSION) bad(`unsupported version (this kt reads version ${VERSION}; rebuild the .kbc file)`);
  const m: KbcModule = { strings: [], types: [], functions: [], code: new Int32Array(0), globals: [], table: [],
    data: [], lines: [], entry: -1, start: -1, memoryBytes: 0 };
  const seen = new Set<number>();
  const dec = new TextDecoder("utf-8", { fatal: true });
  for (let n = count(16); n > 0; n--) {
    const id = u32(); const len = u32();
    if (len % 4 !== 0) bad(`section ${id} length not a multiple of 4`);
    const end = p + len / 4;
    if (end > nwords) bad(`section ${id} runs past the end`);
    if (seen.has(id)) bad(`duplicate section ${id}`);
    seen.add(id);
    const limit = end - p;
    switch (id) {
      case 1: for (let k = count(limit); k > 0; k--) { try { m.strings.push(dec.decode(str())); } catch { bad("string is not UTF-8"); } } break;
      case 2: for (let k = count(limit); k > 0; k--) {
        let shape = "";
        try { shape = dec.decode(str()); } catch { bad("signature is not UTF-8"); }
        m.types.push(typeOfShape(shape) ?? bad(`bad signature ${JSON.stringify(shape)}`));
      } break;
      case 3: for (let k = count(limit); k > 0; k--) {
        const name = m.strings[u32()] ?? bad("function name out of range");
        m.functions.push({ name, type: u32(), params: u32(), results: u32(), frameSize: u32(), start: u32(), length: u32() });
      } break;
      case 4: { const k = count(limit / 2); m.code = new Int32Array(2 * k); for (let i = 0; i < 2 * k; i++) m.code[i] = u32() | 0; } break;
      case 5: for (let k = count(limit); k > 0; k--) m.globals.push(u32() | 0); break;
      case 6: for (let k = count(limit); k > 0; k--) { const f = u32(); m.table.push(f === NONE ? -1 : f); } break;
      case 7: for (let k = count(limit); k > 0; k--) { const addr = u32(); m.data.push({ addr, bytes: str() }); } break;
      case 8: for (let k = count(limit); k > 0; k--) m.lines.push({ pc: u32(), file: u32(), line: u32() }); break;
      case 9: { m.entry = u32(); const s = u32(); m.start = s === NONE ? -1 : s; m.memoryBytes = u32(); } break;
      default: bad(`unknown section ${id}`);
    }
    if (p !== end) bad(`section ${id} has ${end - p} words left over`);
  }
  if (p !== nwords) bad("trailing bytes");
  for (const id of [1, 2, 3, 4, 9]) if (!seen.has(id)) bad(`missing section ${id}`);
  return m;
}
