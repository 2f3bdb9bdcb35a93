// Translates one wasm function body into kbc instructions. Units: wasm byte offsets in, kbc
// instruction indexes (function-relative) out.
//
// The wasm operand stack becomes frame slots: position j of the stack lives in slot L + j (its
// "home"), where L = params + locals. To avoid copying, the translator keeps a virtual stack whose
// entries are either a slot already holding the value (a local, or a home temp) or a constant;
// an instruction consumes entries directly (constants become immediate operands where an
// immediate form exists). Entries that name a local are copied home before that local is written
// and at every block boundary, so every path into a label sees the same slots.
//
// Peepholes, all local to the last instruction and never across a label:
//   - `local.set x` of a freshly computed temp retargets the producer to write x directly;
//   - a compare (or eqz) feeding br_if / if fuses into one compare-and-branch.

import { Reader, type WasmModule, type FuncBody } from "../wasm/reader.ts";
import { OPCODES, Op, COMPARE, MAX_FRAME_SLOTS, TRAP_CODES, word0 } from "../kbc/opcodes.ts";
import { WASM_BINARY, WASM_UNARY, WASM_LOAD, WASM_STORE, rejectedName, skipImmediates } from "./wasm-ops.ts";
import { threadJumps } from "./peephole.ts";

/** An unsupported construct found while translating; offset is a wasm byte offset. */
export class Unsupported extends Error {
  constructor(public what: string, public offset: number) { super(what); }
}

// A `wide` entry is a 64-bit value from i64.load (in two slots: its home and the next one) or
// i64.const (`hi` holds the high word); the only thing that may consume it is i64.store — binaryen
// turns an 8-byte memory.copy or memory.fill into exactly that.
type Entry = { slot: number; konst?: undefined; wide?: boolean } | { konst: number; slot?: undefined; wide?: boolean; hi?: number };

interface Frame {
  kind: "block" | "loop" | "if" | "func";
  height: number;         // stack height below the block's own values
  results: number;        // 0 or 1
  label: number;          // loop: its start pc; others: -1 until bound
  fixups: number[];       // instructions whose I must point at the end label
  elseFixup: number;      // if: the branch to the else arm (-1 once used)
  reached: boolean;       // some path reaches the end label
  deadAtStart: boolean;   // opened inside unreachable code
}

export interface TranslatedFunc {
  words: number[];        // word0 per instruction
  imms: number[];         // I per instruction
  offsets: number[];      // wasm byte offset per instruction (for the line table)
  frameSize: number;
  calls: { callee: number; offset: number }[];  // wasm function indexes called (for diagnostics)
}

export interface FuncContext {
  module: WasmModule;
  funcIndex: number;              // wasm index
  kbcIndexOf(wasmFunc: number): number;   // defined function → kbc index
  typeIdOf(wasmType: number): number;     // wasm type → kbc signature id
  sigId(params: number, results: number): number; // the kbc signature id of an i32-only signature
  globalIndexOf(wasmGlobal: number): number;
}

const DEST_A = new Set(OPCODES.filter((o) => o.doc.startsWith("R[A] :=")).map((o) => o.name));
const NEGATE: Record<string, string> = { EQ: "NE", NE: "EQ", LTS: "GES", GES: "LTS", LTU: "GEU", GEU: "LTU", GTS: "LES", LES: "GTS", GTU: "LEU", LEU: "GTU" };
const MIRROR: Record<string, string> = { EQ: "EQ", NE: "NE", LTS: "GTS", GTS: "LTS", LTU: "GTU", GTU: "LTU", LES: "GES", GES: "LES", LEU: "GEU", GEU: "LEU" };
const COMMUTATIVE = new Set(["ADD", "MUL", "AND", "OR", "XOR"]);
const CMP_NAMES = new Set(COMPARE.map(([s]) => s));
const INTRINSICS = new Map(OPCODES.filter((o) => o.intrinsic).map((o) => [o.intrinsic!, o]));

export function translateFunction(ctx: FuncContext, body: FuncBody): TranslatedFunc {
  const m = ctx.module;
  const type = m.types[m.funcTypes[ctx.funcIndex]];
  const r = new Reader(m.bytes, body.codeStart, body.codeEnd);
  let opOffset = body.codeStart;
  const fail = (what: string): never => { throw new Unsupported(what, opOffset); };

  for (const t of [...type.params, ...type.results, ...body.locals]) {
    if (t !== "i32") fail(t === "i64" ? "64-bit integers (i64)" : t === "f32" || t === "f64" ? "floating-point values (f32/f64)" : `${t} values`);
  }
  if (type.results.length > 1) fail("multiple return values");
  const P = type.params.length;
  const shortOk = 2 * (body.codeEnd - body.codeStart) < 32767;
  const L = P + body.locals.length;

  const out: TranslatedFunc = { words: [], imms: [], offsets: [], frameSize: L, calls: [] };
  const stack: Entry[] = [];
  const frames: Frame[] = [];
  let dead = false;
  let labelAt = -1;            // pc at which the latest label was bound
  let maxWindow = 0;

  const pc = () => out.words.length;
  const home = (pos: number) => L + pos;
  const noteSlot = (s: number) => {
    if (s >= MAX_FRAME_SLOTS) fail(`a frame of more than ${MAX_FRAME_SLOTS} slots (locals + operand stack)`);
    if (s + 1 > out.frameSize) out.frameSize = s + 1;
  };
  const emit = (name: string, a = 0, b = 0, c = 0, imm = 0): number => {
    out.words.push(word0(Op[name], a, b, c));
    out.imms.push(imm | 0);
    out.offsets.push(opOffset);
    return out.words.length - 1;
  };
  /** Points the branch at `at` to `target`: in I, or in B..C for the short (16-bit) forms. */
  const patchTarget = (at: number, target: number) => {
    const rel = target - (at + 1);
    if (OPCODES[out.words[at] & 0xff].format[1] !== "s") { out.imms[at] = rel; return; }
    if (rel < -32768 || rel > 32767) { opOffset = out.offsets[at]; fail("a compare-and-branch farther than 32767 instructions"); }
    out.words[at] = (out.words[at] & 0xffff) | ((rel & 0xffff) << 16);
  };
  const bindLabel = (f: Frame) => {
    f.label = pc(); labelAt = pc();
    for (const at of f.fixups) patchTarget(at, f.label);
  };
  const jumpTo = (f: Frame, name: string, a = 0, b = 0, imm = 0) => {
    const at = emit(name, a, b, 0, imm);
    if (f.kind === "loop") patchTarget(at, f.label);
    else { f.fixups.push(at); f.reached = true; }
  };

  const I64 = "64-bit integers (i64)";
  const push = (e: Entry) => {
    if (stack[stack.length - 1]?.wide) fail(I64);
    stack.push(e); noteSlot(home(stack.length - 1));
  };
  const pop = (): Entry => {
    const e = stack.pop();
    if (!e) fail("operand stack underflow (malformed function)");
    if (e!.wide) fail(I64);
    return e!;
  };
  /** The entry at stack position pos as a slot, loading a constant into its home if needed. */
  const slotOf = (e: Entry, pos: number): number => {
    if (e.slot !== undefined) return e.slot;
    emit("CONST", home(pos), 0, 0, e.konst);
    return home(pos);
  };
  /** Makes the entry at position pos live in its home slot. */
  const toHome = (pos: number) => {
    const e = stack[pos];
    if (e.slot === home(pos)) return;
    if (e.slot !== undefined) emit("MOV", home(pos), e.slot);
    else emit("CONST", home(pos), 0, 0, e.konst);
    stack[pos] = { slot: home(pos) };
  };
  /** Copies home every entry that names a local (needed before the local changes or control merges). */
  const settleLocals = (only?: number) => {
    for (let p = 0; p < stack.length; p++) {
      const s = stack[p].slot;
      if (s !== undefined && s < L && (only === undefined || s === only)) toHome(p);
    }
  };
  /** The last instruction, if it wrote slot `s` and may still be rewritten (no label since). */
  const producerOf = (s: number): number => {
    const last = pc() - 1;
    if (last < 0 || labelAt === pc()) return -1;
    const w = out.words[last];
    if (((w >>> 8) & 0xff) !== s || !DEST_A.has(OPCODES[w & 0xff].name)) return -1;
    return last;
  };
  const setLocal = (x: number, e: Entry) => {
    if (e.slot === x) return;
    settleLocals(x);
    if (e.konst !== undefined) { emit("CONST", x, 0, 0, e.konst); return; }
    const p = e.slot! >= L ? producerOf(e.slot!) : -1;
    if (p >= 0) out.words[p] = (out.words[p] & ~0xff00) | (x << 8);
    else emit("MOV", x, e.slot!);
  };
  /** Puts a block's result (top of stack) into the label's home slot. */
  const moveResultTo = (f: Frame) => {
    if (f.results === 0) return;
    const e = stack[stack.length - 1];
    const dst = home(f.height);
    if (e.slot === dst) return;
    if (e.konst !== undefined) emit("CONST", dst, 0, 0, e.konst);
    else emit("MOV", dst, e.slot!);
  };
  /**
   * Emits a branch taken when `cond` is true (wantTrue) or false, to `f`. Fuses the compare that
   * just produced the condition when possible.
   */
  const branchIf = (cond: Entry, condPos: number, wantTrue: boolean, f: Frame) => {
    if (cond.konst !== undefined) {
      if ((cond.konst !== 0) === wantTrue) jumpTo(f, "JMP");
      return;
    }
    const prod = cond.slot! >= L ? producerOf(cond.slot!) : -1;
    if (prod >= 0) {
      const w = out.words[prod], name = OPCODES[w & 0xff].name;
      const b = (w >>> 16) & 0xff, c = (w >>> 24) & 0xff, imm = out.imms[prod];
      const base = name.endsWith("I") && CMP_NAMES.has(name.slice(0, -1)) ? name.slice(0, -1) : name;
      if (name === "EQZ") {
        out.words.pop(); out.imms.pop(); out.offsets.pop();
        jumpTo(f, wantTrue ? "BZ" : "BNZ", b);
        return;
      }
      if (CMP_NAMES.has(base)) {
        const cc = wantTrue ? base : NEGATE[base];
        if (base === name) { out.words.pop(); out.imms.pop(); out.offsets.pop(); jumpTo(f, "B" + cc, b, c); return; }
        // The immediate form's 16-bit target reaches 32767 instructions: use it only where every
        // branch surely fits (kbc instructions never exceed 2 per wasm byte).
        if (shortOk) { out.words.pop(); out.imms.pop(); out.offsets.pop(); jumpTo(f, "B" + cc + "I", b, 0, imm); return; }
      }
    }
    jumpTo(f, wantTrue ? "BNZ" : "BZ", slotOf(cond, condPos));
  };
  const blockType = (): number => {
    const bt = r.s33();
    if (bt === -64) return 0;                 // 0x40: empty
    if (bt === -1) return 1;                  // 0x7f: i32
    if (bt >= 0) {
      const t = m.types[bt];
      if (!t || t.params.length > 0 || t.results.length > 1) fail("multi-value blocks");
      if (t.results.length && t.results[0] !== "i32") fail("non-i32 block results");
      return t.results.length;
    }
    return fail(bt === -2 ? "64-bit integers (i64)" : "non-i32 block results");
  };
  const openFrame = (kind: Frame["kind"], results: number) => {
    const f: Frame = { kind, height: stack.length, results, label: -1, fixups: [], elseFixup: -1, reached: false, deadAtStart: dead };
    if (kind === "loop" && !dead) { f.label = pc(); labelAt = pc(); }
    frames.push(f);
    return f;
  };
  const labelFrame = (depth: number): Frame => {
    const f = frames[frames.length - 1 - depth];
    if (!f) fail("branch depth out of range (malformed function)");
    return f;
  };
  /** Branch arity: a loop label takes no values; others take the block's results. */
  const arity = (f: Frame) => (f.kind === "loop" ? 0 : f.results);
  const resetStack = (height: number, results: number) => {
    stack.length = height;
    for (let i = 0; i < results; i++) push({ slot: home(stack.length) });
  };
  const memarg = () => { r.u32(); return r.u32(); };

  const func = openFrame("func", type.results.length);
  if (L > P) emit("ZERO", P, L - P);

  while (frames.length > 0) {
    opOffset = r.pos;
    const op = r.u8();
    // Structured control first: it is tracked even in unreachable code.
    switch (op) {
      case 0x02: case 0x03: { // block, loop
        const results = blockType();
        if (!dead) settleLocals();
        openFrame(op === 0x02 ? "block" : "loop", results);
        continue;
      }
      case 0x04: { // if
        const results = blockType();
        if (dead) { openFrame("if", results); continue; }
        const cond = pop();
        settleLocals();
        const condPos = stack.length;
        const f = openFrame("if", results);
        branchIf(cond, condPos, false, f);
        // branchIf registered its jump as an end fixup; it is the jump to the else arm instead.
        // (No jump at all: the condition is a nonzero constant and the else arm never runs.)
        if (f.fixups.length) f.elseFixup = f.fixups.pop()!;
        f.reached = false;
        continue;
      }
      case 0x05: { // else
        const f = frames[frames.length - 1];
        if (!f || f.kind !== "if") fail("else without if (malformed function)");
        if (!f.deadAtStart) {
          if (!dead) { moveResultTo(f); f.fixups.push(emit("JMP")); f.reached = true; }
          if (f.elseFixup >= 0) { patchTarget(f.elseFixup, pc()); labelAt = pc(); }
          f.elseFixup = -1;
          dead = false;
          resetStack(f.height, 0);
        }
        continue;
      }
      case 0x0b: { // end
        const f = frames.pop()!;
        if (f.deadAtStart) { if (frames.length && f.kind !== "func") resetStack(f.height, f.results); continue; }
        if (f.kind === "func") {
          if (!dead) {
            if (f.results) emit("RET", slotOf(stack[stack.length - 1], stack.length - 1));
            else emit("RET0");
          }
          if (f.fixups.length) {
            // Branches to the function label are returns; they carry the result home.
            bindLabel(f);
            if (f.results) emit("RET", home(f.height)); else emit("RET0");
          }
          continue;
        }
        if (!dead) { moveResultTo(f); f.reached = true; }
        if (f.kind === "if" && f.elseFixup !== -1) {
          // No else arm: the false path reaches the end directly.
          f.fixups.push(f.elseFixup);
          f.reached = true;
        }
        if (f.kind !== "loop" && f.reached) bindLabel(f);
        dead = !f.reached;
        resetStack(f.height, f.results);
        continue;
      }
    }
    if (dead) { skipImmediates(r, op, fail); continue; }

    switch (op) {
      case 0x00: emit("TRAP", 0, 0, 0, TRAP_CODES.indexOf("UNREACHABLE")); dead = true; break;
      case 0x01: break;
      case 0x0c: { // br
        const f = labelFrame(r.u32());
        if (arity(f)) moveResultTo(f);
        if (f.kind === "func") { if (f.results) emit("RET", slotOf(stack[stack.length - 1], stack.length - 1)); else emit("RET0"); }
        else jumpTo(f, "JMP");
        dead = true;
        break;
      }
      case 0x0d: { // br_if
        const f = labelFrame(r.u32());
        const cond = pop();
        const condPos = stack.length;
        if (f.kind === "func") {
          // Conditional return: branch around a RET.
          const skip: Frame = { kind: "block", height: 0, results: 0, label: -1, fixups: [], elseFixup: -1, reached: false, deadAtStart: false };
          branchIf(cond, condPos, false, skip);
          if (f.results) emit("RET", slotOf(stack[stack.length - 1], stack.length - 1)); else emit("RET0");
          bindLabel(skip);
        } else if (arity(f) === 0 || stack[stack.length - 1].slot === home(f.height)) {
          branchIf(cond, condPos, true, f);
        } else if (stack.length - 1 === f.height) {
          toHome(stack.length - 1);
          branchIf(cond, condPos, true, f);
        } else {
          const skip: Frame = { kind: "block", height: 0, results: 0, label: -1, fixups: [], elseFixup: -1, reached: false, deadAtStart: false };
          branchIf(cond, condPos, false, skip);
          moveResultTo(f);
          jumpTo(f, "JMP");
          bindLabel(skip);
        }
        break;
      }
      case 0x0e: { // br_table
        const n = r.u32();
        if (n > 1_000_000) fail("a br_table with too many entries");
        const depths: number[] = [];
        for (let i = 0; i <= n; i++) depths.push(r.u32());
        const idx = pop();
        const targets = depths.map(labelFrame);
        const withValue = arity(targets[0]) > 0;
        emit("BRTABLE", slotOf(idx, stack.length), 0, 0, n);
        if (!withValue) {
          for (const f of targets) {
            if (f.kind === "func") { const at = emit("JMP"); f.fixups.push(at); f.reached = true; }
            else jumpTo(f, "JMP");
          }
        } else {
          const stubs: number[] = targets.map(() => emit("JMP"));
          targets.forEach((f, i) => {
            patchTarget(stubs[i], pc());
            moveResultTo(f);
            if (f.kind === "func") { const at = emit("JMP"); f.fixups.push(at); f.reached = true; }
            else jumpTo(f, "JMP");
          });
        }
        dead = true;
        break;
      }
      case 0x0f: // return
        if (func.results) emit("RET", slotOf(stack[stack.length - 1], stack.length - 1)); else emit("RET0");
        dead = true;
        break;
      case 0x10: { // call
        const callee = r.u32();
        if (callee >= m.funcTypes.length) fail("call to an unknown function (malformed module)");
        out.calls.push({ callee, offset: opOffset });
        const ct = m.types[m.funcTypes[callee]];
        if (callee < m.funcImports.length) { callIntrinsic(callee, ct.params.length, ct.results.length); break; }
        callDefined(ct.params.length, ct.results.length, () => emit("CALL", window(ct.params.length, ct.results.length), 0, 0, ctx.kbcIndexOf(callee)));
        break;
      }
      case 0x11: { // call_indirect
        const typeIdx = r.u32();
        if (r.u32() !== 0) fail("multiple tables");
        const ct = m.types[typeIdx];
        if (!ct) fail("call_indirect with an unknown type (malformed module)");
        const idx = pop();
        const idxSlot = slotOf(idx, stack.length); // its own home lies above the arguments' homes
        callDefined(ct.params.length, ct.results.length, () =>
          emit("CALLI", window(ct.params.length, ct.results.length), idxSlot, 0, ctx.typeIdOf(typeIdx)));
        break;
      }
      case 0x1a: pop(); break; // drop
      case 0x1b: case 0x1c: { // select
        if (op === 0x1c) { const n = r.u32(); for (let i = 0; i < n; i++) if (r.u8() !== 0x7f) fail("select of non-i32 values"); }
        const cond = pop(), b = pop(), a = pop();
        const pos = stack.length;
        const sa = slotOf(a, pos), sb = slotOf(b, pos + 1), sc = slotOf(cond, pos + 2);
        emit("SELECT", home(pos), sa, sb, sc);
        push({ slot: home(pos) });
        break;
      }
      case 0x20: { const x = r.u32(); if (x >= L) fail("local index out of range (malformed function)"); push({ slot: x }); break; }
      case 0x21: case 0x22: { // local.set, local.tee
        const x = r.u32();
        if (x >= L) fail("local index out of range (malformed function)");
        const e = pop();
        setLocal(x, e);
        if (op === 0x22) push({ slot: x });
        break;
      }
      case 0x23: { const g = ctx.globalIndexOf(r.u32()); emit("GGET", home(stack.length), 0, 0, g); push({ slot: home(stack.length) }); break; }
      case 0x24: { const g = ctx.globalIndexOf(r.u32()); const e = pop(); emit("GSET", slotOf(e, stack.length), 0, 0, g); break; }
      case 0x41: push({ konst: r.s32() }); break;
      case 0xfc: {
        const sub = r.u32();
        if (sub === 10 || sub === 11) {
          if (sub === 10) { if (r.u8() !== 0 || r.u8() !== 0) fail("multiple memories"); } else if (r.u8() !== 0) fail("multiple memories");
          const n = pop(), v = pop(), d = pop();
          const pos = stack.length;
          emit(sub === 10 ? "MCOPY" : "MFILL", slotOf(d, pos), slotOf(v, pos + 1), slotOf(n, pos + 2));
          break;
        }
        fail(rejectedName(op, sub));
        break;
      }
      case 0x29: { // i64.load: only as half of a copy (see Entry); two 32-bit loads, high word first
        const off = memarg();
        if (off > 0xfffffffb) fail(I64);
        const a = pop(); const pos = stack.length; const sa = slotOf(a, pos);
        noteSlot(home(pos) + 1);
        emit("LD32", home(pos) + 1, sa, 0, off + 4);
        emit("LD32", home(pos), sa, 0, off);
        stack.push({ slot: home(pos), wide: true }); noteSlot(home(pos));
        break;
      }
      case 0x42: { // i64.const: only as the value of an i64.store
        const [lo, hi] = r.s64();
        stack.push({ konst: lo, hi, wide: true }); noteSlot(home(stack.length - 1) + 1);
        break;
      }
      case 0x37: { // i64.store of an i64.load's or an i64.const's value: two 32-bit stores
        const off = memarg();
        const v = stack.pop();
        if (!v?.wide || off > 0xfffffffb) fail(I64);
        const a = pop(); const pos = stack.length; const sa = slotOf(a, pos);
        let lo = v!.slot!, hi = lo + 1;
        if (v!.konst !== undefined) {
          lo = home(pos + 1); hi = lo + 1;
          emit("CONST", lo, 0, 0, v!.konst); emit("CONST", hi, 0, 0, v!.hi!);
        }
        emit("ST32", sa, lo, 0, off);
        emit("ST32", sa, hi, 0, off + 4);
        break;
      }
      default: {
        const bin = WASM_BINARY[op];
        if (bin) { binary(bin); break; }
        const un = WASM_UNARY[op];
        if (un) { const a = pop(); const pos = stack.length; emit(un, home(pos), slotOf(a, pos)); push({ slot: home(pos) }); break; }
        const ld = WASM_LOAD[op];
        if (ld) { const off = memarg(); const a = pop(); const pos = stack.length; emit(ld, home(pos), slotOf(a, pos), 0, off); push({ slot: home(pos) }); break; }
        const st = WASM_STORE[op];
        if (st) { const off = memarg(); const v = pop(), a = pop(); const pos = stack.length; const sa = slotOf(a, pos); emit(st, sa, slotOf(v, pos + 1), 0, off); break; }
        fail(rejectedName(op));
      }
    }
  }
  if (r.pos !== body.codeEnd) { opOffset = r.pos; fail("code after the function's end (malformed function)"); }
  threadJumps(out);
  out.frameSize = Math.max(out.frameSize, maxWindow);
  if (out.frameSize > MAX_FRAME_SLOTS) fail(`a frame of ${out.frameSize} slots (the limit is ${MAX_FRAME_SLOTS})`);
  return out;

  function binary(name: string): void {
    const b = pop(), a = pop();
    const pos = stack.length, dst = home(pos);
    const isCmp = CMP_NAMES.has(name);
    const immOk = (v: number) => {
      if (name === "DIVS" || name === "REMS") return v !== 0 && v !== -1;
      if (name === "DIVU" || name === "REMU") return v !== 0;
      return true;
    };
    if (b.konst !== undefined && a.konst === undefined) {
      if (name === "SUB") { emit("ADDI", dst, a.slot!, 0, -b.konst | 0); push({ slot: dst }); return; }
      if ((isCmp || Op[name + "I"] !== undefined) && immOk(b.konst)) { emit(name + "I", dst, a.slot!, 0, b.konst); push({ slot: dst }); return; }
    }
    if (a.konst !== undefined && b.konst === undefined) {
      if (COMMUTATIVE.has(name)) { emit(name + "I", dst, b.slot!, 0, a.konst); push({ slot: dst }); return; }
      if (isCmp) { emit(MIRROR[name] + "I", dst, b.slot!, 0, a.konst); push({ slot: dst }); return; }
      if (name === "SUB") { emit("RSUBI", dst, b.slot!, 0, a.konst); push({ slot: dst }); return; }
    }
    const sa = slotOf(a, pos), sb = slotOf(b, pos + 1);
    emit(name, dst, sa, sb);
    push({ slot: dst });
  }

  /** The window (first argument slot) of a call with n arguments; records the frame it needs. */
  function window(n: number, results: number): number {
    const w = home(stack.length - n);
    if (w >= MAX_FRAME_SLOTS) fail(`a frame of more than ${MAX_FRAME_SLOTS} slots (locals + operand stack)`);
    maxWindow = Math.max(maxWindow, w + Math.max(n, results, 1)); // A names a slot, even for f(): void
    return w;
  }

  function callDefined(n: number, results: number, emitCall: () => number): void {
    if (stack.length < n) fail("operand stack underflow (malformed function)");
    for (let p = stack.length - n; p < stack.length; p++) toHome(p);
    emitCall();
    stack.length -= n;
    if (results) push({ slot: home(stack.length) });
  }

  function callIntrinsic(callee: number, n: number, results: number): void {
    const imp = m.funcImports[callee];
    const key = `${imp.module}.${imp.name}`;
    const info = INTRINSICS.get(key);
    if (!info) fail(`the import ${key}`);
    if (info!.params !== n || info!.results !== results) fail(`the import ${key} with this signature`);
    if (info!.name === "ABORT") {
      callDefined(n, 0, () => emit("ABORT", window(n, 0)));
      dead = true;
      return;
    }
    const args: Entry[] = [];
    for (let i = 0; i < n; i++) args.unshift(pop());
    const pos = stack.length;
    const slots = args.map((e, i) => slotOf(e, pos + i));
    if (results) { emit(info!.name, home(pos), slots[0] ?? 0); push({ slot: home(pos) }); }
    else emit(info!.name, slots[0] ?? 0, slots[1] ?? 0, 0, info!.takes ? ctx.sigId(...info!.takes) : 0);
    if (info!.terminator) dead = true;
  }
}
