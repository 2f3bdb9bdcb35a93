// The wasm binary reader: turns a .wasm file into a WasmModule (sections decoded, function bodies
// kept as byte ranges for the translator). Units: byte offsets into the module.
//
// Only what the translator needs is decoded; anything structurally malformed throws a
// WasmFormatError with a one-line message.

export class WasmFormatError extends Error {}

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export interface FuncType { params: ValType[]; results: ValType[] }
export interface Import { module: string; name: string; kind: "func" | "table" | "memory" | "global"; typeIndex: number }
export interface Global {
  type: ValType; mutable: boolean;
  init: number | null;   // i32.const value, i64.const's low word, or null for any other initialiser
  initHi: number;        // i64.const's high word (0 otherwise)
}
export interface DataSegment { offset: number | null /* null: passive or not an i32.const */; bytes: Uint8Array }
export interface ElemSegment { offset: number | null; funcs: number[] }
export interface FuncBody {
  locals: ValType[];     // declared locals, expanded (params not included)
  codeStart: number;     // offset of the first instruction
  codeEnd: number;       // offset just past the final `end`
}

export interface WasmModule {
  bytes: Uint8Array;
  types: FuncType[];
  imports: Import[];
  funcImports: Import[];        // imported functions, in function-index order
  funcTypes: number[];          // type index of every function, imports first
  tables: { min: number; max: number | null }[];
  memory: { min: number; max: number | null; imported: boolean } | null;
  globals: Global[];
  exports: Map<string, { kind: number; index: number }>;
  start: number | null;
  elems: ElemSegment[];
  bodies: FuncBody[];           // defined functions only; index = funcIndex - funcImports.length
  data: DataSegment[];
  funcNames: Map<number, string>;
  /** The name section's local names (subsection 2): function index → local index → name. */
  localNames: Map<number, Map<number, string>>;
  /** ... and its global names (subsection 7). */
  globalNames: Map<number, string>;
  sourceMappingURL: string | null;
}

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};

/** A cursor over the module's bytes with LEB128 helpers. */
export class Reader {
  constructor(public bytes: Uint8Array, public pos = 0, public end = bytes.length) {}

  eof(): boolean { return this.pos >= this.end; }

  u8(): number {
    if (this.pos >= this.end) throw new WasmFormatError(`unexpected end of data at offset ${this.pos}`);
    return this.bytes[this.pos++];
  }

  u32(): number {
    let result = 0, shift = 0, b: number;
    do {
      b = this.u8();
      if (shift === 28 && (b & 0x70) !== 0) throw new WasmFormatError(`LEB128 u32 too large at offset ${this.pos - 1}`);
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return result >>> 0;
  }

  /** Signed LEB128, up to 32 bits (i32.const). */
  s32(): number {
    let result = 0, shift = 0, b: number;
    do {
      b = this.u8();
      result |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > 35) throw new WasmFormatError(`LEB128 s32 too long at offset ${this.pos - 1}`);
    } while (b & 0x80);
    if (shift < 32 && (b & 0x40)) result |= -1 << shift;
    return result | 0;
  }

  /** Signed LEB128 of up to 64 bits; only skipped. */
  skipLeb(): void { while (this.u8() & 0x80) { /* skip */ } }

  /** Signed 64-bit LEB128 as its two 32-bit halves [low, high]. */
  s64(): [number, number] {
    let result = 0n, shift = 0n, b: number;
    do {
      b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) throw new WasmFormatError(`LEB128 s64 too long at offset ${this.pos - 1}`);
    } while (b & 0x80);
    if (shift < 64n && (b & 0x40)) result |= -1n << shift;
    return [Number(BigInt.asIntN(32, result)), Number(BigInt.asIntN(32, result >> 32n))];
  }

  /** Signed 33-bit block type: -64.. are value types, >= 0 a type index. */
  s33(): number {
    let result = 0, shift = 0, b: number;
    do { b = this.u8(); result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    if (b & 0x40) result -= 2 ** shift;
    return result;
  }

  bytesN(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new WasmFormatError(`unexpected end of data at offset ${this.pos}`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string { return new TextDecoder().decode(this.bytesN(this.u32())); }

  valtype(): ValType {
    const b = this.u8();
    const t = VALTYPES[b];
    if (!t) throw new WasmFormatError(`bad value type 0x${b.toString(16)} at offset ${this.pos - 1}`);
    return t;
  }

  limits(): { min: number; max: number | null } {
    const flags = this.u8();
    const min = this.u32();
    const max = flags & 1 ? this.u32() : null;
    return { min, max };
  }

  /** A constant expression; returns the i32.const value or null for anything else. */
  constExpr(): number | null {
    const c = this.constExpr64();
    return c && !c.wide ? c.lo : null;
  }

  /** A constant expression; returns an i32.const or i64.const value as words, or null for anything else. */
  constExpr64(): { lo: number; hi: number; wide: boolean } | null {
    let value: { lo: number; hi: number; wide: boolean } | null = null;
    const op = this.u8();
    if (op === 0x41) value = { lo: this.s32(), hi: 0, wide: false };
    else if (op === 0x42) { const [lo, hi] = this.s64(); value = { lo, hi, wide: true }; }
    else if (op === 0x43) this.bytesN(4);
    else if (op === 0x44) this.bytesN(8);
    else if (op === 0x23 || op === 0xd2) this.u32();
    else if (op === 0xd0) this.u8();
    else throw new WasmFormatError(`unsupported constant expression opcode 0x${op.toString(16)} at offset ${this.pos - 1}`);
    if (this.u8() !== 0x0b) throw new WasmFormatError(`constant expression not terminated at offset ${this.pos - 1}`);
    return value;
  }
}

/** Parses a wasm binary. Throws WasmFormatError on malformed input. */
export function readWasm(bytes: Uint8Array): WasmModule {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmFormatError("not a wasm module (bad magic number)");
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new WasmFormatError("unsupported wasm version");
  }
  const m: WasmModule = {
    bytes, types: [], imports: [], funcImports: [], funcTypes: [], tables: [], memory: null, globals: [],
    exports: new Map(), start: null, elems: [], bodies: [], data: [], funcNames: new Map(), localNames: new Map(), globalNames: new Map(), sourceMappingURL: null,
  };
  const r = new Reader(bytes, 8);
  let declaredFuncs = 0;
  while (!r.eof()) {
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} runs past the end of the module`);
    const s = new Reader(bytes, r.pos, end);
    switch (id) {
      case 0: readCustom(s, m); break;
      case 1: for (let n = s.u32(); n > 0; n--) {
        if (s.u8() !== 0x60) throw new WasmFormatError("bad function type form");
        const params: ValType[] = []; for (let k = s.u32(); k > 0; k--) params.push(s.valtype());
        const results: ValType[] = []; for (let k = s.u32(); k > 0; k--) results.push(s.valtype());
        m.types.push({ params, results });
      } break;
      case 2: for (let n = s.u32(); n > 0; n--) {
        const module = s.name(), name = s.name(), kind = s.u8();
        if (kind === 0) {
          const imp: Import = { module, name, kind: "func", typeIndex: s.u32() };
          m.imports.push(imp); m.funcImports.push(imp); m.funcTypes.push(imp.typeIndex);
        } else if (kind === 1) { s.valtype(); s.limits(); m.imports.push({ module, name, kind: "table", typeIndex: -1 }); }
        else if (kind === 2) { const l = s.limits(); m.memory = { ...l, imported: true }; m.imports.push({ module, name, kind: "memory", typeIndex: -1 }); }
        else if (kind === 3) { s.valtype(); s.u8(); m.imports.push({ module, name, kind: "global", typeIndex: -1 }); }
        else throw new WasmFormatError(`bad import kind ${kind}`);
      } break;
      case 3: for (let n = s.u32(); n > 0; n--) { m.funcTypes.push(s.u32()); declaredFuncs++; } break;
      case 4: for (let n = s.u32(); n > 0; n--) { s.valtype(); m.tables.push(s.limits()); } break;
      case 5: for (let n = s.u32(); n > 0; n--) { const l = s.limits(); m.memory = { ...l, imported: false }; } break;
      case 6: for (let n = s.u32(); n > 0; n--) {
        const type = s.valtype(); const mutable = s.u8() === 1;
        const c = s.constExpr64();
        m.globals.push({ type, mutable, init: c && c.wide === (type === "i64") ? c.lo : null, initHi: c?.hi ?? 0 });
      } break;
      case 7: for (let n = s.u32(); n > 0; n--) {
        const name = s.name(); const kind = s.u8(); m.exports.set(name, { kind, index: s.u32() });
      } break;
      case 8: m.start = s.u32(); break;
      case 9: for (let n = s.u32(); n > 0; n--) m.elems.push(readElem(s)); break;
      case 10: {
        const n = s.u32();
        if (n !== declaredFuncs) throw new WasmFormatError("function and code section counts differ");
        for (let k = 0; k < n; k++) {
          const bodySize = s.u32();
          const bodyEnd = s.pos + bodySize;
          const b = new Reader(bytes, s.pos, bodyEnd);
          const locals: ValType[] = [];
          for (let g = b.u32(); g > 0; g--) {
            const count = b.u32(); const t = b.valtype();
            if (locals.length + count > 50000) throw new WasmFormatError("too many locals");
            for (let c = 0; c < count; c++) locals.push(t);
          }
          m.bodies.push({ locals, codeStart: b.pos, codeEnd: bodyEnd });
          s.pos = bodyEnd;
        }
      } break;
      case 11: for (let n = s.u32(); n > 0; n--) {
        const flags = s.u32();
        let offset: number | null = null;
        if (flags === 0) offset = s.constExpr();
        else if (flags === 2) { s.u32(); offset = s.constExpr(); }
        else if (flags !== 1) throw new WasmFormatError(`bad data segment flags ${flags}`);
        m.data.push({ offset, bytes: s.bytesN(s.u32()) });
      } break;
      case 12: s.u32(); break;
      default: throw new WasmFormatError(`unknown section id ${id}`);
    }
    r.pos = end;
  }
  if (m.bodies.length !== declaredFuncs) throw new WasmFormatError("missing code section");
  return m;
}

function readElem(s: Reader): ElemSegment {
  const flags = s.u32();
  if (flags === 0) {
    const offset = s.constExpr();
    const funcs: number[] = []; for (let n = s.u32(); n > 0; n--) funcs.push(s.u32());
    return { offset, funcs };
  }
  throw new WasmFormatError(`element segment form ${flags} is not supported`);
}

function readCustom(s: Reader, m: WasmModule): void {
  const name = s.name();
  if (name === "sourceMappingURL") { m.sourceMappingURL = s.name(); return; }
  if (name !== "name") return;
  while (!s.eof()) {
    const sub = s.u8(); const size = s.u32(); const end = s.pos + size;
    if (sub === 1) {
      for (let n = s.u32(); n > 0; n--) { const idx = s.u32(); m.funcNames.set(idx, s.name()); }
    } else if (sub === 2) {
      for (let n = s.u32(); n > 0; n--) {
        const f = s.u32(), names = new Map<number, string>();
        for (let k = s.u32(); k > 0; k--) { const idx = s.u32(); names.set(idx, s.name()); }
        m.localNames.set(f, names);
      }
    } else if (sub === 7) {
      for (let n = s.u32(); n > 0; n--) { const idx = s.u32(); m.globalNames.set(idx, s.name()); }
    }
    s.pos = end;
  }
}
