// Slot liveness over kbc: for each instruction, the slots of its frame whose value may still be
// read after it runs. The image builder uses it to leave out, in compiled code, the store of a
// value nobody reads again (boot/variants.ts). Units: slots; a set is a bitmap of 256 bits (8
// words), one per instruction.
//
// Reads and writes come from the opcode table's formats (`r` and `p` fields, `R` in I) and a short
// list of the opcodes that write R[A] (or R64[A]). The analysis errs on the side of "live": an
// opcode it does not know well (intrinsics with effects, ABORT) reads every slot it might,
// and only the listed opcodes kill a slot by writing it, so an unknown case keeps a store, never
// drops one.

import { OPCODES, MAX_FRAME_SLOTS } from "./opcodes.ts";
import type { KbcModule } from "./module.ts";

const WORDS = MAX_FRAME_SLOTS / 32;

/** Opcodes that write R[A] (a 32-bit slot) and nothing else of the frame. */
export const WRITES_A: ReadonlySet<string> = new Set(OPCODES.filter((o) => o.format[0] === "r" && (
  /^R\[A\] := /.test(o.doc) || ["IRQBLOCK"].includes(o.name)
)).map((o) => o.name));
/** Opcodes that write R64[A] (the pair A, A+1). */
const WRITES_A64 = new Set(OPCODES.filter((o) => o.format[0] === "p" && /^R64\[A\] := /.test(o.doc)).map((o) => o.name));
/**
 * Calls read their arguments, the slots [A, A + the callee's parameter slots): the callee's frame
 * is the window at A, and it writes its other slots before it reads them (the translator zeroes a
 * function's locals at its entry, as wasm's are zero; the rest are temporaries, each written by
 * the instruction that makes it). ABORT may read any slot from A up.
 */
const CALLS = new Set(["CALL", "CALLI"]);

/** The slots instruction pc reads (`use`) and writes for certain (`def`), as bitmaps. */
function useDef(m: KbcModule, pc: number, use: Uint32Array, def: Uint32Array): void {
  use.fill(0); def.fill(0);
  const w = m.code[2 * pc], I = m.code[2 * pc + 1], op = OPCODES[w & 0xff];
  const fields = [(w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24];
  const set = (b: Uint32Array, s: number) => { if (s < MAX_FRAME_SLOTS) b[s >>> 5] |= 1 << (s & 31); };
  if (CALLS.has(op.name) || op.name === "ABORT") {
    const params = op.name === "CALL" ? m.functions[I]?.params : op.name === "CALLI" ? m.types[I]?.params : undefined;
    for (let s = fields[0]; s < (params === undefined ? MAX_FRAME_SLOTS : fields[0] + params); s++) set(use, s);
  }
  const writesA = WRITES_A.has(op.name), writesA64 = WRITES_A64.has(op.name);
  for (let k = 0; k < 3; k++) {
    const kind = op.format[k];
    if (k === 0 && (writesA || writesA64)) continue;
    if (kind === "r") set(use, fields[k]);
    if (kind === "p") { set(use, fields[k]); set(use, fields[k] + 1); }
  }
  if (op.format[3] === "R") set(use, I);
  if (op.name === "ZERO") for (let s = fields[0]; s < fields[0] + fields[1]; s++) set(def, s);
  if (writesA) set(def, fields[0]);
  if (writesA64) { set(def, fields[0]); set(def, fields[0] + 1); }
}

/** The slots instruction pc reads (a call: its arguments; ABORT: every slot from A). */
export function slotsRead(m: KbcModule, pc: number): number[] {
  const use = new Uint32Array(WORDS), def = new Uint32Array(WORDS);
  useDef(m, pc, use, def);
  const out: number[] = [];
  for (let s = 0; s < MAX_FRAME_SLOTS; s++) if ((use[s >>> 5] >>> (s & 31)) & 1) out.push(s);
  return out;
}

/** The branch targets of the instruction at pc (a jump table's entries too). */
export function branchTargets(m: KbcModule, pc: number): number[] {
  const w = m.code[2 * pc], I = m.code[2 * pc + 1], op = OPCODES[w & 0xff];
  const out: number[] = [];
  if (op.format[3] === "t") out.push(pc + 1 + I);
  if (op.format[1] === "s") out.push(pc + 1 + (w >> 16));
  if (op.name === "BRTABLE") for (let k = 0; k <= I; k++) out.push(pc + 1 + k);
  return out;
}

/** The successors of pc inside its function (a return or trap has none). */
export function successors(m: KbcModule, pc: number): number[] {
  const out = branchTargets(m, pc);
  if (!OPCODES[m.code[2 * pc] & 0xff].terminator) out.push(pc + 1);
  return out;
}

/**
 * Live-out sets of every instruction of the module: liveOut(pc) (8 words at 8 * pc) holds the
 * slots that some path from pc's successors reads before writing. A function's end (return, trap)
 * has nothing live: its frame is gone.
 */
export function liveOut(m: KbcModule): Uint32Array { return liveness(m).outs; }

/** Live-in and live-out sets of every instruction (as liveOut; `ins`: read before written from pc on). */
export function liveness(m: KbcModule): { ins: Uint32Array; outs: Uint32Array } {
  const n = m.code.length >> 1;
  const outs = new Uint32Array(WORDS * n);
  const ins = new Uint32Array(WORDS * n);
  const use = new Uint32Array(WORDS), def = new Uint32Array(WORDS);
  const uses = new Uint32Array(WORDS * n), defs = new Uint32Array(WORDS * n);
  for (let pc = 0; pc < n; pc++) { useDef(m, pc, use, def); uses.set(use, WORDS * pc); defs.set(def, WORDS * pc); }
  for (const f of m.functions) {
    const succ: number[][] = [];
    for (let pc = f.start; pc < f.start + f.length; pc++) succ[pc - f.start] = successors(m, pc).filter((s) => s >= f.start && s < f.start + f.length);
    for (let changed = true; changed;) {
      changed = false;
      for (let pc = f.start + f.length - 1; pc >= f.start; pc--) {
        const o = WORDS * pc;
        for (let k = 0; k < WORDS; k++) {
          let v = 0;
          for (const s of succ[pc - f.start]) v |= ins[WORDS * s + k];
          v >>>= 0;
          const iv = (uses[o + k] | (v & ~defs[o + k])) >>> 0;
          if (v !== outs[o + k] || iv !== ins[o + k]) { outs[o + k] = v; ins[o + k] = iv; changed = true; }
        }
      }
    }
  }
  return { ins, outs };
}

/** Is slot s in instruction pc's set? */
export const isLive = (sets: Uint32Array, pc: number, s: number): boolean => ((sets[WORDS * pc + (s >>> 5)] >>> (s & 31)) & 1) === 1;
