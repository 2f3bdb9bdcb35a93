// Translates one wasm function body into kbc instructions. Units: wasm byte offsets in, kbc
// instruction indexes (function-relative) out.
//
// The wasm operand stack becomes frame slots: each position has a "home", the slots above L (the
// slots of params + locals) that the entries below it do not take: an i32 takes one slot, an i64
// two (low word first), so the homes of a stack i32, i64, i32 are L, L+1, L+3. To avoid copying, the translator keeps a virtual stack whose
// entries are either a slot already holding the value (a local, or a home temp) or a constant;
// an instruction consumes entries directly (constants become immediate operands where an
// immediate form exists). Entries that name a local are copied home before that local is written
// and at every block boundary, so every path into a label sees the same slots.
//
// Peepholes, all local to the last instruction and never across a label:
//   - `local.set x` of a freshly computed temp retargets the producer to write x directly;
//   - a compare (or eqz) feeding br_if / if fuses into one compare-and-branch.

import { Reader, type WasmModule, type FuncBody, type ValType } from "../wasm/reader.ts";
import { OPCODES, Op, COMPARE, MAX_FRAME_SLOTS, TRAP_CODES, word0 } from "../kbc/opcodes.ts";
import { WASM_BINARY, WASM_UNARY, WASM_LOAD, WASM_STORE, WASM_BINARY64, WASM_UNARY64, WASM_LOAD64, WASM_STORE64, WASM_CONVERT64,
  rejectedName, skipImmediates } from "./wasm-ops.ts";
import { threadJumps } from "./peephole.ts";

/** An unsupported construct found while translating; offset is a wasm byte offset. */
export class Unsupported extends Error {
  constructor(public what: string, public offset: number) { super(what); }
}

/** A value's width in slots: 1 for i32, 2 for i64 (low word first). */
type W = 1 | 2;

/**
 * Where a function's locals live (parameters first, by wasm local index): each in its own slot(s)
 * from slot 0, an i64 in two (low word first). The debugger reads locals by this layout too.
 */
export function localLayout(types: ValType[]): { slot: number; w: W }[] {
  let at = 0;
  return types.map((t) => { const w: W = t === "i64" ? 2 : 1; const slot = at; at += w; return { slot, w }; });
}
/** A virtual-stack entry: a slot (pair) already holding the value, or a constant (`hi`: its high word). */
type Entry = { slot: number; w: W; konst?: undefined; hi?: undefined } | { konst: number; hi: number; w: W; slot?: undefined };
/** An entry taken off the stack, with the home slot its position had. */
type Popped = Entry & { home: number };

interface Frame {
  kind: "block" | "loop" | "if" | "func";
  height: number;         // stack entries below the block's own values
  base: number;           // the slot where the block's result lives (its label's home)
  results: W[];           // [] or the width of its one result
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
  globalIndexOf(wasmGlobal: number): number;      // its first word (an i64 global has two)
}

/** Opcodes whose only effect is to write R[A] (R64[A] for DEST_PAIR) from operands read first: a producer may be retargeted. */
const DEST_A = new Set(OPCODES.filter((o) => o.format[0] === "r" && o.doc.startsWith("R[A] :=")).map((o) => o.name));
const DEST_PAIR = new Set(OPCODES.filter((o) => o.format[0] === "p" && o.doc.startsWith("R64[A] :=")).map((o) => o.name));
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
    if (t !== "i32" && t !== "i64") fail(t === "f32" || t === "f64" ? "floating-point values (f32/f64)" : `${t} values`);
  }
  if (type.results.length > 1) fail("multiple return values");
  const widthOf = (t: ValType): W => (t === "i64" ? 2 : 1);
  // Locals (parameters first) by index: their first slot and width. L slots hold them all.
  const layout = localLayout([...type.params, ...body.locals]);
  const localSlot = layout.map((x) => x.slot), localW = layout.map((x) => x.w);
  const L = layout.reduce((n, x) => n + x.w, 0);
  const P = type.params.reduce((n, t) => n + widthOf(t), 0);
  const funcResults = type.results.map(widthOf);
  const shortOk = 2 * (body.codeEnd - body.codeStart) < 32767;

  const out: TranslatedFunc = { words: [], imms: [], offsets: [], frameSize: L, calls: [] };
  const stack: Entry[] = [];
  const homes: number[] = [];  // the home slot of each stack position
  let depth = 0;               // slots the stack's entries take: the next home is L + depth
  const frames: Frame[] = [];
  let dead = false;
  let labelAt = -1;            // pc at which the latest label was bound
  let maxWindow = 0;

  const pc = () => out.words.length;
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

  /** Where the next pushed value lives. */
  const nextHome = () => L + depth;
  const push = (e: Entry) => {
    homes.push(nextHome()); stack.push(e); depth += e.w;
    noteSlot(nextHome() - 1);
  };
  const pushSlot = (slot: number, w: W) => push({ slot, w });
  const pop = (want?: W): Popped => {
    const e = stack.pop();
    if (!e) fail("operand stack underflow (malformed function)");
    if (want !== undefined && e!.w !== want) fail("an operand of the wrong type (malformed function)");
    depth -= e!.w;
    return { ...e!, home: homes.pop()! };
  };
  /** Emits R[s] (and R[s+1] for a pair) := the constant. */
  const emitConst = (s: number, e: Entry, words: number) => {
    emit("CONST", s, 0, 0, e.konst);
    if (words === 2) emit("CONST", s + 1, 0, 0, e.hi);
  };
  /** The slot holding a popped entry's value, loading a constant into its home if needed (`words`: 1 for the low word only). */
  const slotOf = (e: Popped, words: number = e.w): number => {
    if (e.slot !== undefined) return e.slot;
    emitConst(e.home, e, words);
    return e.home;
  };
  /** Makes the entry at position pos live in its home slot. */
  const toHome = (pos: number) => {
    const e = stack[pos], h = homes[pos];
    if (e.slot === h) return;
    if (e.slot !== undefined) emit(e.w === 2 ? "MOV64" : "MOV", h, e.slot);
    else emitConst(h, e, e.w);
    stack[pos] = { slot: h, w: e.w };
  };
  /** The slot of the entry at position pos (the top by default), loading a constant into its home if needed. */
  const slotAt = (pos = stack.length - 1): number => { toHomeIfConst(pos); return stack[pos].slot!; };
  const toHomeIfConst = (pos: number) => { if (stack[pos].konst !== undefined) toHome(pos); };
  /** Copies home every entry that names a local (needed before the local changes or control merges). */
  const settleLocals = (only?: number) => {
    for (let p = 0; p < stack.length; p++) {
      const s = stack[p].slot;
      if (s !== undefined && s < L && (only === undefined || s === only)) toHome(p);
    }
  };
  /** The last instruction, if it wrote slot `s` (a pair when w = 2) and may still be rewritten (no label since). */
  const producerOf = (s: number, w: W): number => {
    const last = pc() - 1;
    if (last < 0 || labelAt === pc()) return -1;
    const word = out.words[last];
    if (((word >>> 8) & 0xff) !== s || !(w === 2 ? DEST_PAIR : DEST_A).has(OPCODES[word & 0xff].name)) return -1;
    return last;
  };
  const setLocal = (x: number, e: Popped) => {
    const xs = localSlot[x];
    if (e.w !== localW[x]) fail("an operand of the wrong type (malformed function)");
    if (e.slot === xs) return;
    settleLocals(xs);
    if (e.konst !== undefined) { emitConst(xs, e, e.w); return; }
    const p = e.slot! >= L ? producerOf(e.slot!, e.w) : -1;
    if (p >= 0) out.words[p] = (out.words[p] & ~0xff00) | (xs << 8);
    else emit(e.w === 2 ? "MOV64" : "MOV", xs, e.slot!);
  };
  /** Puts a block's result (top of stack) into the label's home slot. */
  const moveResultTo = (f: Frame) => {
    if (f.results.length === 0) return;
    const e = stack[stack.length - 1];
    if (e.slot === f.base) return;
    if (e.konst !== undefined) emitConst(f.base, e, e.w);
    else emit(e.w === 2 ? "MOV64" : "MOV", f.base, e.slot!);
  };
  /** Returns the top of the stack (or nothing) from the function. */
  const emitReturn = () => {
    if (funcResults.length === 0) { emit("RET0"); return; }
    emit(funcResults[0] === 2 ? "RET64" : "RET", slotAt());
  };
  /**
   * Emits a branch taken when `cond` is true (wantTrue) or false, to `f`. Fuses the compare that
   * just produced the condition when possible.
   */
  const branchIf = (cond: Popped, wantTrue: boolean, f: Frame) => {
    if (cond.konst !== undefined) {
      if ((cond.konst !== 0) === wantTrue) jumpTo(f, "JMP");
      return;
    }
    const prod = cond.slot! >= L ? producerOf(cond.slot!, 1) : -1;
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
    jumpTo(f, wantTrue ? "BNZ" : "BZ", slotOf(cond));
  };
  /** A block type's results: [] or the width of its one i32/i64 result. */
  const blockType = (): W[] => {
    const bt = r.s33();
    if (bt === -64) return [];                // 0x40: empty
    if (bt === -1) return [1];                // 0x7f: i32
    if (bt === -2) return [2];                // 0x7e: i64
    if (bt >= 0) {
      const t = m.types[bt];
      if (!t || t.params.length > 0 || t.results.length > 1) fail("multi-value blocks");
      if (t.results.length && t.results[0] !== "i32" && t.results[0] !== "i64") fail("floating-point values (f32/f64)");
      return t.results.map(widthOf);
    }
    return fail(bt === -3 || bt === -4 ? "floating-point values (f32/f64)" : "block results of this type");
  };
  const openFrame = (kind: Frame["kind"], results: W[]) => {
    const f: Frame = { kind, height: stack.length, base: nextHome(), results, label: -1, fixups: [], elseFixup: -1, reached: false, deadAtStart: dead };
    if (kind === "loop" && !dead) { f.label = pc(); labelAt = pc(); }
    frames.push(f);
    return f;
  };
  /** A frame for a local forward label (around a conditional return or a moved branch value). */
  const skipFrame = (): Frame => ({ kind: "block", height: 0, base: 0, results: [], label: -1, fixups: [], elseFixup: -1, reached: false, deadAtStart: false });
  const labelFrame = (d: number): Frame => {
    const f = frames[frames.length - 1 - d];
    if (!f) fail("branch depth out of range (malformed function)");
    return f;
  };
  /** Branch arity: a loop label takes no values; others take the block's results. */
  const arity = (f: Frame) => (f.kind === "loop" ? 0 : f.results.length);
  const resetStack = (height: number, results: W[]) => {
    stack.length = height; homes.length = height;
    depth = height ? homes[height - 1] + stack[height - 1].w - L : 0;
    for (const w of results) pushSlot(nextHome(), w);
  };
  const memarg = () => { r.u32(); return r.u32(); };
  const localIndex = () => { const x = r.u32(); if (x >= localSlot.length) fail("local index out of range (malformed function)"); return x; };
  const globalOf = () => {
    const g = r.u32();
    const word = ctx.globalIndexOf(g);
    return { word, w: widthOf(m.globals[g].type) };
  };
  /** An i64 access at offset off + 4 must still have a 32-bit offset. */
  const wideOffset = (off: number) => { if (off > 0xfffffffb) fail("a 64-bit memory access with an offset above 0xFFFFFFFB"); return off; };

  const func = openFrame("func", funcResults);
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
        const cond = pop(1);
        settleLocals();
        const f = openFrame("if", results);
        branchIf(cond, false, f);
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
          resetStack(f.height, []);
        }
        continue;
      }
      case 0x0b: { // end
        const f = frames.pop()!;
        if (f.deadAtStart) { if (frames.length && f.kind !== "func") resetStack(f.height, f.results); continue; }
        if (f.kind === "func") {
          if (!dead) emitReturn();
          if (f.fixups.length) {
            // Branches to the function label are returns; they carry the result home.
            bindLabel(f);
            if (f.results.length) emit(f.results[0] === 2 ? "RET64" : "RET", f.base); else emit("RET0");
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
        if (f.kind === "func") emitReturn();
        else jumpTo(f, "JMP");
        dead = true;
        break;
      }
      case 0x0d: { // br_if
        const f = labelFrame(r.u32());
        const cond = pop(1);
        if (f.kind === "func") {
          // Conditional return: branch around a RET.
          const skip = skipFrame();
          branchIf(cond, false, skip);
          emitReturn();
          bindLabel(skip);
        } else if (arity(f) === 0 || stack[stack.length - 1].slot === f.base) {
          branchIf(cond, true, f);
        } else if (stack.length - 1 === f.height) {
          toHome(stack.length - 1);
          branchIf(cond, true, f);
        } else {
          const skip = skipFrame();
          branchIf(cond, false, skip);
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
        const idx = pop(1);
        const targets = depths.map(labelFrame);
        const withValue = arity(targets[0]) > 0;
        emit("BRTABLE", slotOf(idx), 0, 0, n);
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
        emitReturn();
        dead = true;
        break;
      case 0x10: { // call
        const callee = r.u32();
        if (callee >= m.funcTypes.length) fail("call to an unknown function (malformed module)");
        out.calls.push({ callee, offset: opOffset });
        const ct = m.types[m.funcTypes[callee]];
        if (callee < m.funcImports.length) { callIntrinsic(callee, ct.params, ct.results); break; }
        callDefined(ct.params.map(widthOf), ct.results.map(widthOf), (win) => emit("CALL", win, 0, 0, ctx.kbcIndexOf(callee)));
        break;
      }
      case 0x11: { // call_indirect
        const typeIdx = r.u32();
        if (r.u32() !== 0) fail("multiple tables");
        const ct = m.types[typeIdx];
        if (!ct) fail("call_indirect with an unknown type (malformed module)");
        if ([...ct.params, ...ct.results].some((t) => t !== "i32" && t !== "i64")) fail("floating-point values (f32/f64)");
        const idx = pop(1);
        const idxSlot = slotOf(idx); // its own home lies above the arguments' homes
        callDefined(ct.params.map(widthOf), ct.results.map(widthOf), (win) => emit("CALLI", win, idxSlot, 0, ctx.typeIdOf(typeIdx)));
        break;
      }
      case 0x1a: pop(); break; // drop
      case 0x1b: case 0x1c: { // select
        if (op === 0x1c) { const n = r.u32(); for (let i = 0; i < n; i++) { const t = r.u8(); if (t !== 0x7f && t !== 0x7e) fail("select of non-integer values"); } }
        const cond = pop(1), b = pop(), a = pop(b.w);
        const sa = slotOf(a), sb = slotOf(b), sc = slotOf(cond);
        emit(a.w === 2 ? "SELECT64" : "SELECT", a.home, sa, sb, sc);
        pushSlot(a.home, a.w);
        break;
      }
      case 0x20: { const x = localIndex(); pushSlot(localSlot[x], localW[x]); break; }
      case 0x21: case 0x22: { // local.set, local.tee
        const x = localIndex();
        const e = pop();
        setLocal(x, e);
        if (op === 0x22) pushSlot(localSlot[x], localW[x]);
        break;
      }
      case 0x23: { // global.get: an i64 global is two words
        const g = globalOf(), h = nextHome();
        emit("GGET", h, 0, 0, g.word);
        if (g.w === 2) emit("GGET", h + 1, 0, 0, g.word + 1);
        pushSlot(h, g.w);
        break;
      }
      case 0x24: { // global.set
        const g = globalOf();
        const s = slotOf(pop(g.w));
        emit("GSET", s, 0, 0, g.word);
        if (g.w === 2) emit("GSET", s + 1, 0, 0, g.word + 1);
        break;
      }
      case 0x41: push({ konst: r.s32(), hi: 0, w: 1 }); break;
      case 0x42: { const [lo, hi] = r.s64(); push({ konst: lo, hi, w: 2 }); break; }
      case 0xfc: {
        const sub = r.u32();
        if (sub === 10 || sub === 11) {
          if (sub === 10) { if (r.u8() !== 0 || r.u8() !== 0) fail("multiple memories"); } else if (r.u8() !== 0) fail("multiple memories");
          const n = pop(1), v = pop(1), d = pop(1);
          emit(sub === 10 ? "MCOPY" : "MFILL", slotOf(d), slotOf(v), slotOf(n));
          break;
        }
        fail(rejectedName(op, sub));
        break;
      }
      case 0x29: { // i64.load: two 32-bit loads, the high word first (the address may live in the low word's slot)
        const off = wideOffset(memarg());
        const a = pop(1), sa = slotOf(a), h = a.home;
        noteSlot(h + 1);
        emit("LD32", h + 1, sa, 0, off + 4);
        emit("LD32", h, sa, 0, off);
        pushSlot(h, 2);
        break;
      }
      case 0x37: { // i64.store: two 32-bit stores, the high word first (if it traps, nothing is written)
        const off = wideOffset(memarg());
        const v = pop(2), a = pop(1);
        const sa = slotOf(a), sv = slotOf(v);
        emit("ST32", sa, sv + 1, 0, off + 4);
        emit("ST32", sa, sv, 0, off);
        break;
      }
      case WASM_CONVERT64.wrap: { // i32.wrap_i64: the low word, where it lies
        const a = pop(2);
        push(a.konst !== undefined ? { konst: a.konst, hi: 0, w: 1 } : { slot: a.slot!, w: 1 });
        break;
      }
      case WASM_CONVERT64.extendS: case WASM_CONVERT64.extendU: { // i64.extend_i32_s/u
        const a = pop(1), h = a.home;
        if (a.konst !== undefined) { push({ konst: a.konst, hi: op === WASM_CONVERT64.extendS ? a.konst >> 31 : 0, w: 2 }); break; }
        if (a.slot !== h) emit("MOV", h, a.slot!);
        noteSlot(h + 1);
        if (op === WASM_CONVERT64.extendS) emit("SHRSI", h + 1, h, 0, 31); else emit("CONST", h + 1, 0, 0, 0);
        pushSlot(h, 2);
        break;
      }
      case WASM_CONVERT64.ext8s: case WASM_CONVERT64.ext16s: case WASM_CONVERT64.ext32s: { // i64.extend8/16/32_s
        const a = pop(2), sa = slotOf(a, 1), h = a.home;
        if (op === WASM_CONVERT64.ext32s) { if (sa !== h) emit("MOV", h, sa); }
        else emit(op === WASM_CONVERT64.ext8s ? "EXT8S" : "EXT16S", h, sa);
        emit("SHRSI", h + 1, h, 0, 31);
        pushSlot(h, 2);
        break;
      }
      default: {
        const bin = WASM_BINARY[op];
        if (bin) { binary(bin); break; }
        const un = WASM_UNARY[op];
        if (un) { const a = pop(1); emit(un, a.home, slotOf(a)); pushSlot(a.home, 1); break; }
        const ld = WASM_LOAD[op];
        if (ld) { const off = memarg(); const a = pop(1); emit(ld, a.home, slotOf(a), 0, off); pushSlot(a.home, 1); break; }
        const st = WASM_STORE[op];
        if (st) { const off = memarg(); const v = pop(1), a = pop(1); const sa = slotOf(a); emit(st, sa, slotOf(v), 0, off); break; }
        const bin64 = WASM_BINARY64[op];
        if (bin64) {
          const b = pop(2), a = pop(2);
          const sa = slotOf(a), sb = slotOf(b);
          emit(bin64, a.home, sa, sb);
          pushSlot(a.home, CMP_NAMES.has(bin64.slice(0, -2)) ? 1 : 2);
          break;
        }
        const un64 = WASM_UNARY64[op];
        if (un64) { const a = pop(2); emit(un64, a.home, slotOf(a)); pushSlot(a.home, un64 === "EQZ64" ? 1 : 2); break; }
        const ld64 = WASM_LOAD64[op];
        if (ld64) { // the low word by a 32-bit load, then the high word: its sign, or zero
          const off = memarg(); const a = pop(1), h = a.home;
          emit(ld64[0], h, slotOf(a), 0, off);
          noteSlot(h + 1);
          if (ld64[1] === "sign") emit("SHRSI", h + 1, h, 0, 31); else emit("CONST", h + 1, 0, 0, 0);
          pushSlot(h, 2);
          break;
        }
        const st64 = WASM_STORE64[op];
        if (st64) { const off = memarg(); const v = pop(2), a = pop(1); const sa = slotOf(a); emit(st64, sa, slotOf(v, 1), 0, off); break; }
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
    const b = pop(1), a = pop(1);
    const dst = a.home;
    const isCmp = CMP_NAMES.has(name);
    const immOk = (v: number) => {
      if (name === "DIVS" || name === "REMS") return v !== 0 && v !== -1;
      if (name === "DIVU" || name === "REMU") return v !== 0;
      return true;
    };
    if (b.konst !== undefined && a.konst === undefined) {
      if (name === "SUB") { emit("ADDI", dst, a.slot!, 0, -b.konst | 0); pushSlot(dst, 1); return; }
      if ((isCmp || Op[name + "I"] !== undefined) && immOk(b.konst)) { emit(name + "I", dst, a.slot!, 0, b.konst); pushSlot(dst, 1); return; }
    }
    if (a.konst !== undefined && b.konst === undefined) {
      if (COMMUTATIVE.has(name)) { emit(name + "I", dst, b.slot!, 0, a.konst); pushSlot(dst, 1); return; }
      if (isCmp) { emit(MIRROR[name] + "I", dst, b.slot!, 0, a.konst); pushSlot(dst, 1); return; }
      if (name === "SUB") { emit("RSUBI", dst, b.slot!, 0, a.konst); pushSlot(dst, 1); return; }
    }
    const sa = slotOf(a), sb = slotOf(b);
    emit(name, dst, sa, sb);
    pushSlot(dst, 1);
  }

  /**
   * A call: its arguments (widths `params`, on top of the stack) go home, where they form the
   * callee's first slots; its results (widths `results`) come back at the window.
   */
  function callDefined(params: W[], results: W[], emitCall: (window: number) => number): void {
    const n = params.length;
    if (stack.length < n) fail("operand stack underflow (malformed function)");
    for (let p = stack.length - n; p < stack.length; p++) {
      if (stack[p].w !== params[p - (stack.length - n)]) fail("an operand of the wrong type (malformed function)");
      toHome(p);
    }
    const win = n ? homes[stack.length - n] : nextHome();
    const slots = (ws: W[]) => ws.reduce((k: number, w) => k + w, 0);
    if (win >= MAX_FRAME_SLOTS) fail(`a frame of more than ${MAX_FRAME_SLOTS} slots (locals + operand stack)`);
    maxWindow = Math.max(maxWindow, win + Math.max(slots(params), slots(results), 1)); // A names a slot, even for f(): void
    emitCall(win);
    for (let i = 0; i < n; i++) pop();
    for (const w of results) pushSlot(nextHome(), w);
  }

  function callIntrinsic(callee: number, params: ValType[], results: ValType[]): void {
    const imp = m.funcImports[callee];
    const key = `${imp.module}.${imp.name}`;
    const info = INTRINSICS.get(key);
    if (!info) fail(`the import ${key}`);
    const n = params.length;
    if (info!.params !== n || info!.results !== results.length || [...params, ...results].some((t) => t !== "i32")) fail(`the import ${key} with this signature`);
    if (info!.name === "ABORT") {
      callDefined(params.map(widthOf), [], (win) => emit("ABORT", win));
      dead = true;
      return;
    }
    const args: Popped[] = [];
    for (let i = 0; i < n; i++) args.unshift(pop(1));
    const slots = args.map((e) => slotOf(e));
    const h = nextHome();
    if (results.length) { emit(info!.name, h, slots[0] ?? 0); pushSlot(h, 1); }
    else emit(info!.name, slots[0] ?? 0, slots[1] ?? 0, 0, info!.takes ? ctx.sigId(...info!.takes) : 0);
    if (info!.terminator) dead = true;
  }
}
