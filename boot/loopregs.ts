// Loop registers: the compiled code of an innermost loop keeps up to two of its slots in ebx and
// esi instead of its frame (boot/variants.ts picks the loop and the slots; boot/stencil.ts makes
// the stencils). Between the loop's head and every way out of it the register holds the slot's
// value and the slot in memory may be stale:
//
//   - the head's stencil first loads the registers from their slots (`mov ebx, [ebp+4·s]`); the
//     loop's back edge jumps past those loads, so only an entry from outside (falling in, a jump
//     to the head, resuming there after an interrupt) loads them;
//   - every way out writes the registers back to their slots: a branch whose target lies outside
//     the loop (through a pad), the last instruction's fall-through, and every jump out of
//     compiled code (a trap, the interrupt entry at the back edge's safe point);
//   - nothing else in the loop may touch ebx or esi: the loop has only instructions whose
//     stencils never do (LOOP_OPS), and the stencil rewriter fails the build otherwise.
//
// The plan of one instruction is a suffix of its stencil's name: `__L` then the register of each
// of the fields A, B, C (`b` ebx, `s` esi, `m` its slot), the loop's slots (ebx.esi, `n`
// none; loaded at the head, written back on every way out), `H` on the head, `T` when its branch
// target leaves the loop, `E`
// when its fall-through does, `A` when eax must hold its result at its end, and the bytes of the
// head's loads its branch jumps past.
//
// In such a stencil a slot operand loaded into a scratch register aliases the loop register
// instead (`mov eax, [slot]` emits nothing; `cmp eax, 5` becomes `cmp ebx, 5`), so eax is left as
// it was unless the instruction computes into it: boot/variants.ts claims nothing about eax after
// such an instruction but a producer's result (`A`).

import { OPCODES } from "../toolchain/kbc/opcodes.ts";

/** The plan of one instruction of a loop (see above). */
export interface LoopRegs {
  map: string;                 // three characters, fields A, B, C: "b" ebx, "s" esi, "m" memory
  slots: [number, number];     // the loop's slots in ebx, esi (-1: none): written back on every way out
  head: boolean;               // the loop's head: loads them first
  outT: boolean;               // its branch target lies outside the loop
  outE: boolean;               // its fall-through leaves the loop
  skip: number;                // its branch target is the loop's head: the bytes of the loads to jump past
  eaxOut: boolean;             // eax must hold its result at its end (a producer whose result the next instruction may take)
}

/** The registers, in the order of `slots`. */
export const LOOP_REGS = ["ebx", "esi"] as const;

/**
 * Opcodes a loop may hold to keep registers: their handlers touch neither ebx nor esi (but esi as
 * the threaded instruction, which the rewriter resolves), read slots only through A, B and C, and
 * leave compiled code only by a trap or the safe point's interrupt entry.
 */
export const LOOP_OPS: ReadonlySet<string> = new Set([
  "NOP", "MOV", "CONST", "GGET", "GSET", "RSUBI", "EQZ",
  "LD32", "LD8S", "LD8U", "LD16S", "LD16U", "ST32", "ST8", "ST16", "JMP", "BZ", "BNZ",
  ...["ADD", "SUB", "AND", "OR", "XOR", "MUL", "SHL", "SHRS", "SHRU", "ROTL", "ROTR"].flatMap((k) => [k, k + "I"]),
  ...["EQ", "NE", "LTS", "LTU", "GTS", "GTU", "LES", "LEU", "GES", "GEU"].flatMap((k) => [k, k + "I", "B" + k, "B" + k + "I"]),
].filter((name) => OPCODES.some((o) => o.name === name)));

/** Bytes of `mov r32, [ebp + 4·slot]` (disp8 up to 127). */
const loadBytes = (slot: number): number => (slot < 0 ? 0 : 4 * slot <= 127 ? 3 : 6);
/** Bytes of the head's loads, which the back edge jumps past. */
export const headBytes = (slots: [number, number]): number => loadBytes(slots[0]) + loadBytes(slots[1]);

const num = (x: number) => (x < 0 ? "n" : String(x));
const unnum = (s: string) => (s === "n" ? -1 : Number(s));

export function encodeLoopRegs(p: LoopRegs): string {
  return `__L${p.map}_${num(p.slots[0])}.${num(p.slots[1])}_${p.head ? "H" : ""}${p.outT ? "T" : ""}${p.outE ? "E" : ""}${p.eaxOut ? "A" : ""}_${p.skip}`;
}

/** The plan in a stencil's name, or null. */
export function decodeLoopRegs(name: string): LoopRegs | null {
  const k = name.indexOf("__L");
  if (k < 0) return null;
  const m = /^__L([bsm]{3})_(n|\d+)\.(n|\d+)_(H?)(T?)(E?)(A?)_(\d+)$/.exec(name.slice(k));
  if (!m) throw new Error(`internal: bad loop-register plan in ${name}`);
  return { map: m[1], slots: [unnum(m[2]), unnum(m[3])], head: m[4] === "H", outT: m[5] === "T", outE: m[6] === "E", eaxOut: m[7] === "A", skip: Number(m[8]) };
}

/** A variant's name without its plan. */
export const withoutLoopRegs = (name: string): string => (name.includes("__L") ? name.slice(0, name.indexOf("__L")) : name);
