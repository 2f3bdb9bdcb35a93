// Stencils: the handlers of boot/vm.ts without their dispatch, with holes for their operands, for
// the guest's compiling tier (boot/jit.ts) to copy and patch. Units: bytes.
//
// A handler is written once. To make its stencil, its emitter runs a second time into a Recorder
// instead of a Section, and the recorded instructions are rewritten here, knowing what the
// interpreter's registers mean in a handler:
//
//   esi is the threaded instruction (SELF). Operand fetches `movzx r, byte [esi+4|5|6]` bind r to
//   the field A, B or C instead of emitting anything; a slot operand [ebp + r*4 + d] with r bound
//   becomes [ebp + disp32] with a hole (4 * field + d). [esi+8] and [esi+12] (I and X) become
//   imm32 holes; for a branch they are its target. `add esi, 16; jmp [esi]` (the dispatch) is a
//   fall-through to the next stencil, `mov esi, <target>; jmp [esi]` a rel32 jump with a hole.
//   A bound register used in any other way is first loaded with its value (materialised):
//   a field or I/X as an immediate, a target as the compiled code's address, except in esi,
//   which always holds a threaded instruction: where the panic path and the interrupt entry look
//   for the VM's pc (so a jump out of the stencil to them first sets esi to SELF).
//
// The rewriting follows control flow forward (a bound register must be bound the same way on
// every path into a label; a backward jump may carry no binding): anything else is an internal
// error naming the handler, so a handler the rewriting does not understand fails the build rather
// than miscompiling. Then jumps are threaded and dead code removed. Jumps inside a stencil are
// position independent; rel32 jumps out of it (to vm_trap, irq_enter, udivmod64, …) are holes of
// kind REL, relocated by the distance between the stencil's copy in the image and its copy in
// compiled code.

import iced from "iced-x86";
import { Section, hole, isHole, mem, type Encoded, type Hole, type Mem, type Operand, type Reg32, type LabelRef } from "./asm.ts";
import type { OpInfo } from "../toolchain/kbc/opcodes.ts";
import { decodeLoopRegs, LOOP_REGS } from "./loopregs.ts";
const { Decoder, DecoderOptions, FlowControl } = iced;

/** The hole kinds, in the guest compiler's numbering (boot/jit.ts dispatches on it). */
export const HOLE_KINDS = [
  "SA", "SB", "SC",     // slot displacement: 4 * field + add
  "A", "B", "C",        // a field's value
  "I", "X",             // dword at +8, +12
  "X16", "FIDX",        // word at +12 (a call's frame bytes), +14 (a call's function index)
  "FRAMEW", "FR",       // word at +6 (a backward branch's frame slots); 4 * it + add
  "SELF", "NEXT_T",     // threaded address of this instruction, of the next one
  "NEXT",               // the next instruction's jit_pcmap cell (a continuation: boot/vm.ts)
  "T_I", "T_X",         // the jit_pcmap cell of the branch target in I, in X (a continuation)
  "R_I", "R_X",         // rel32 to it (the last 4 bytes of a jmp / jcc)
  "CALLEE_SLOT",        // address of jit_code[FIDX]
  "CALLEE_JMP",         // jmp [jit_code + 4 * FIDX]: made a direct jmp when the callee is compiled
  "BRT",                // address of jit_pcmap[pc + 1] (a br_table's jump table)
  "REL",                // rel32 out of the stencil: += source - destination
  "I8",                 // the low byte of I (a shift count)
  "GADDR",              // address of global I: vm_globals + 4 * I
  "SAX",                // 4 * A + the word at +12 + add (a call's frame end, from ebp)
  "PI", "PI8",          // the previous instruction's I, its low byte (a store's constant: `_c`)
  "RESUME",             // the compiled address of the stencil's RESUME_LABEL: the hole's + add
] as const;
/** Hole kinds one byte long; the rest are dwords. */
export const BYTE_HOLES: ReadonlySet<HoleKind> = new Set(["I8", "PI8"]);
export type HoleKind = (typeof HOLE_KINDS)[number];

export interface StencilHole { off: number; kind: HoleKind; add: number; size: 1 | 4 }
export interface Stencil {
  /** The handler variant's label (op_ADD, op_BZ_sp_e, …). */
  name: string;
  /** Where its bytes are in the image (an address), and how many. */
  addr: number;
  size: number;
  holes: StencilHole[];
}

type Rec =
  | { t: "i"; m: string; ops: Operand[] }
  | { t: "jmp"; target: string }
  | { t: "call"; target: string }
  | { t: "jcc"; cc: string; target: string }
  | { t: "label"; name: string };

/** Takes what an emitter emits, in place of a Section. */
export class Recorder {
  recs: Rec[] = [];
  i(m: string, ...ops: Operand[]): this { this.recs.push({ t: "i", m, ops }); return this; }
  jmp(target: string): this { this.recs.push({ t: "jmp", target }); return this; }
  call(target: string): this { this.recs.push({ t: "call", target }); return this; }
  jcc(cc: string, target: string): this { this.recs.push({ t: "jcc", cc, target }); return this; }
  label(name: string): this { this.recs.push({ t: "label", name }); return this; }
  align(): this { return this; }
}

type Virt =
  | { k: "A" | "B" | "C" | "FRAME" | "X16" | "FIDX" | "SELF" | "NEXT" | "I" | "PI" }
  | { k: "SLOTADDR"; f: "A" | "B" | "C" }   // ebp + 4 * field: a slot's address (a call's new frame)
  | { k: "TGT"; f: "I" | "X" }
  | { k: "REG"; r: Reg32 };                   // a slot that lives in a loop register (boot/loopregs.ts): that register
type State = Map<Reg32, Virt | "poison">;

export type StencilOps = Out[];

/** Final ops: instructions (with holes), jumps to labels, and jumps whose rel32 is a hole. */
type Out =
  | { t: "i"; m: string; ops: Operand[] }
  | { t: "jmp"; target: string }
  | { t: "call"; target: string }
  | { t: "jcc"; cc: string; target: string }
  | { t: "hjmp"; kind: "R_I" | "R_X"; add?: number }
  | { t: "hjcc"; cc: string; kind: "R_I" | "R_X"; add?: number }
  | { t: "label"; name: string };

/** The end of the stencil: where the next instruction's code starts. */
export const END = "@end";
/**
 * Label suffixes of a load or store's safe point (boot/vm.ts, safePointStub): RESUME_LABEL is
 * entered from outside (an interrupt handler's return: only esi, the instruction, is known there,
 * and a loop's registers are loaded again); it jumps back to RECHECK (the slow path's mem_limit
 * compare), which goes on to REENTRY (the access) above it: not loops, and both carry what is
 * bound there (checked).
 */
export const RESUME_LABEL = "_resume", RECHECK = "_exact", REENTRY = "_access";
const isReentry = (l: string) => l.endsWith(RECHECK) || l.endsWith(REENTRY);
const PARENT: Record<string, Reg32> = {
  al: "eax", ah: "eax", ax: "eax", cl: "ecx", ch: "ecx", cx: "ecx", dl: "edx", dh: "edx", dx: "edx",
  bl: "ebx", bh: "ebx", bx: "ebx", si: "esi", di: "edi", bp: "ebp", sp: "esp",
};
const R32 = new Set(["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]);
const parent = (r: string): Reg32 | undefined => (R32.has(r) ? (r as Reg32) : PARENT[r]);
/** Mnemonics whose register operands are fixed (an alias is loaded into the register they name). */
const FIXED_REGS = new Set(["in", "out", "div", "idiv", "mul", "cdq", "xchg"]);
/** Mnemonics that read their first operand and do not write it. */
const NO_WRITE = new Set(["cmp", "test"]);
/** Mnemonics whose first operand, a full register, is only written. */
const PURE_WRITE = new Set(["mov", "movzx", "movsx", "lea", "pop"]);
/** External labels that do not read esi (so a jump to them needs no SELF in it). */
const NO_ESI = new Set(["ret_common", "vm_return", "vm_exit", "udivmod64"]);
const INVERSE: Record<string, string> = { e: "ne", ne: "e", l: "ge", ge: "l", le: "g", g: "le", b: "ae", ae: "b", be: "a", a: "be", s: "ns", ns: "s", o: "no", no: "o" };
const same = (a: Virt | "poison" | undefined, b: Virt | "poison" | undefined): boolean =>
  a === b || (typeof a === "object" && typeof b === "object" && a.k === b.k && (a as { f?: string }).f === (b as { f?: string }).f
    && (a as { r?: string }).r === (b as { r?: string }).r);
/** A sub-register of eax/ecx/edx named for another full register (al → bl), or undefined (esi has no byte register). */
const SUBREG: Record<string, Record<string, string>> = {
  ebx: { eax: "ebx", ax: "bx", al: "bl", ecx: "ebx", cx: "bx", cl: "bl", edx: "ebx", dx: "bx", dl: "bl" },
  esi: { eax: "esi", ax: "si", ecx: "esi", cx: "si", edx: "esi", dx: "si" },
};

const isMemOp = (o: Operand): o is Mem => typeof o === "object" && "mem" in o;
const SHIFTS = new Set(["shl", "shr", "sar", "rol", "ror"]);
/**
 * Does the next recorded op that emits something read the flags (so the one before it must set
 * them as recorded)? Operand fetches (movzx from esi) emit nothing and are looked past.
 */
const readsFlags = (recs: Rec[], k: number): boolean => {
  let r = recs[k];
  while (r && r.t === "i" && r.m === "movzx" && isMemOp(r.ops[1]) && r.ops[1].base === "esi") r = recs[++k];
  return !!r && (r.t === "jcc" || (r.t === "i" && /^(adc|sbb|set|cmov|pushf|rcl|rcr)/.test(r.m)));
};
const isLabelRef = (o: unknown): o is LabelRef => typeof o === "object" && o !== null && "label" in o;
const holeOf = (kind: HoleKind, add = 0, size: 1 | 4 = 4): Hole => hole(add ? `${kind}:${add}` : kind, size);

/** Rewrites one handler variant's recorded code into its stencil's ops. */
export function rewrite(recs: Rec[], op: OpInfo, name: string): Out[] {
  const fail = (why: string): never => { throw new Error(`internal: stencil of ${name}: ${why}`); };
  const defined = new Set(recs.filter((r) => r.t === "label").map((r) => (r as { name: string }).name));
  const out: Out[] = [];
  const stubs: Out[] = [];
  let st: State | null = new Map([["esi", { k: "SELF" }]]);
  const pending = new Map<string, State[]>();
  const seen = new Map<string, State>();
  let stubN = 0;
  const iTarget = op.format[3] === "t", xTarget = op.format[1] === "s";
  // Loop registers (boot/loopregs.ts): slots of fields mapped to ebx / esi, loads first, write-backs on the way out.
  const lr = decodeLoopRegs(name);
  const regOf: Partial<Record<"A" | "B" | "C", Reg32>> = {};
  if (lr) {
    (["A", "B", "C"] as const).forEach((f, i) => { if (lr.map[i] !== "m") regOf[f] = lr.map[i] === "b" ? "ebx" : "esi"; });
    const mentions = (o: Operand, r: Reg32) => (typeof o === "string" && parent(o) === r) || (isMemOp(o) && (o.base === r || o.index === r));
    for (const x of recs) if (x.t === "i" && x.ops.some((o) => mentions(o, "ebx"))) fail(`uses ebx, which holds a loop's slot`);
    for (const x of recs) if (x.t === "call") fail(`calls ${x.target} in a loop with registers`);
  }
  /** The write-backs of a way out of the loop (none outside a loop). */
  const spills = (): Out[] => (lr ? LOOP_REGS.flatMap((r, i) => (lr.slots[i] < 0 ? [] : [{ t: "i" as const, m: "mov", ops: [mem({ base: "ebp", disp: 4 * lr.slots[i] }), r] }])) : []);
  /** On to the next stencil. */
  const toEnd = (): void => {
    // eax goes on to the next stencil (operand forwarding): I bound to it (CONST's result) is
    // loaded. A field's index bound to it is not: compiled code leaves eax as it was there (a
    // BZ that compares in memory passes eax on untouched: boot/variants.ts counts on it).
    if (bound("eax")?.k === "I") materialise("eax");
    // A loop register's alias in eax: left (eax as it was), but for a producer whose result is wanted there.
    if (bound("eax")?.k === "REG" && lr?.eaxOut) materialise("eax");
    if (lr?.outE) out.push(...spills()); // the loop's last instruction falls out of it
    out.push({ t: "jmp", target: END });
    st = null;
  };
  /** Labels a jump below them comes back to. */
  const loopHeads = new Set(recs.flatMap((x, i) => (x.t === "label" && !isReentry(x.name) && recs.slice(i + 1).some((y) => (y.t === "jmp" || y.t === "jcc") && y.target === x.name) ? [x.name] : [])));
  /** A loop's head loads its registers (and a resume loads them again). */
  const regLoads = (): Out[] => (lr ? LOOP_REGS.flatMap((r, i) => (lr.slots[i] < 0 ? [] : [{ t: "i" as const, m: "mov", ops: [r, mem({ base: "ebp", disp: 4 * lr.slots[i] })] }])) : []);

  const bound = (r: Reg32): Virt | undefined => {
    const v = st!.get(r);
    if (v === "poison") fail(`${r} is bound differently on the paths that meet here`);
    return v as Virt | undefined;
  };
  /** The instruction that loads r with its bound value. */
  const materialiseOps = (r: Reg32, v: Virt): Out[] => {
    const mov = (o: Operand): Out => ({ t: "i", m: "mov", ops: [r, o] });
    switch (v.k) {
      case "A": case "B": case "C": case "X16": case "FIDX": case "I": case "PI": return [mov(holeOf(v.k))];
      case "FRAME": return [mov(holeOf("FRAMEW"))];
      case "SELF": return [mov(holeOf("SELF"))];
      case "NEXT": return [mov(holeOf(r === "esi" ? "NEXT_T" : "NEXT"))];
      case "TGT": return [mov(holeOf(r === "esi" ? v.f : v.f === "I" ? "T_I" : "T_X"))];
      case "SLOTADDR": return [{ t: "i", m: "lea", ops: [r, { mem: true, base: "ebp", disp: holeOf(("S" + v.f) as HoleKind), size: 0 }] }];
      case "REG": return [{ t: "i", m: "mov", ops: [r, v.r] }];
    }
  };
  const materialise = (r: Reg32, into: Out[] = out): void => {
    const v = bound(r);
    if (!v) return;
    if (r === "esi" && lr) fail(`sets esi, which holds a loop's slot`); // (a way out sets it through materialiseAll, after the write-backs)
    into.push(...materialiseOps(r, v));
    st!.delete(r);
  };
  /** Everything bound, as a jump out of the stencil needs it (esi only if the target reads it). */
  const materialiseAll = (into: Out[], target: string): void => {
    // esi last: an alias of a loop register in esi is read before esi becomes the instruction.
    for (const [r, v] of [...st!].sort(([a], [b]) => Number(a === "esi") - Number(b === "esi"))) {
      if (v === "poison") continue;
      if (r === "esi" && (NO_ESI.has(target) || v.k !== "SELF" && v.k !== "TGT")) {
        if (r === "esi" && !NO_ESI.has(target)) fail(`jump to ${target} with esi bound to ${v.k}`);
        continue;
      }
      into.push(...materialiseOps(r, v));
    }
  };
  const note = (label: string) => {
    if (seen.has(label)) {
      for (const [r, v] of st!) if (v !== "poison" && !same(seen.get(label)!.get(r), v)) fail(`backward jump to ${label} with ${r} bound`);
      return;
    }
    const l = pending.get(label) ?? [];
    l.push(new Map(st!));
    pending.set(label, l);
  };
  const merge = (states: State[]): State | null => {
    if (!states.length) return null;
    const m: State = new Map(states[0]);
    for (const s of states.slice(1)) {
      for (const [r, v] of m) if (!same(s.get(r), v)) m.set(r, "poison");
      for (const [r] of s) if (!m.has(r)) m.set(r, "poison");
    }
    return m;
  };

  /** A memory operand rewritten: esi-relative fields become immediates, bound indices holes. */
  const memOperand = (o: Mem, pos: number, m: string): Operand => {
    if (o.base === "esi" && !o.index && bound("esi")?.k === "SELF") {
      const d = typeof o.disp === "number" ? o.disp : fail(`esi operand with a label`);
      if (pos === 0) fail(`writes its threaded instruction`);
      if (o.size === 32 && d === 8) return holeOf("I");
      if (o.size === 32 && d === 12) return holeOf("X");
      return fail(`reads [esi+${d}] in '${m}'`);
    }
    let disp = o.disp;
    let index = o.index, base = o.base;
    if (index) {
      const v = bound(index);
      if (v && (v.k === "A" || v.k === "B" || v.k === "C") && base === "ebp" && o.scale === 4 && typeof (disp ?? 0) === "number") {
        const reg = regOf[v.k];
        if (reg) {
          // The slot lives in a register in this loop: the operand is the register.
          if ((disp ?? 0) !== 0 || o.size !== 32) fail(`a ${o.size}-bit access at slot ${v.k} + ${String(disp)}, which lives in ${reg}`);
          return reg;
        }
        return { ...o, index: undefined, scale: undefined, disp: holeOf(("S" + v.k) as HoleKind, (disp as number | undefined) ?? 0) };
      }
      if (v && v.k === "FRAME" && base === "ebp" && o.scale === 4 && typeof (disp ?? 0) === "number") {
        return { ...o, index: undefined, scale: undefined, disp: holeOf("FR", (disp as number | undefined) ?? 0) };
      }
      if (v && v.k === "I" && !base && o.scale === 4 && isLabelRef(disp) && disp.label === "vm_globals" && disp.add === 0) {
        return { ...o, index: undefined, scale: undefined, disp: holeOf("GADDR") };
      }
      if (v && v.k === "FIDX" && !base && o.scale === 4 && isLabelRef(disp) && disp.label === "jit_code" && disp.add === 0) {
        return { ...o, index: undefined, scale: undefined, disp: holeOf("CALLEE_SLOT") };
      }
      if (v?.k === "REG") index = v.r;
      else if (v) { materialise(index); index = o.index; }
    }
    if (base && bound(base)?.k === "REG") base = (bound(base) as { r: Reg32 }).r;
    else if (base && bound(base)) materialise(base);
    return { ...o, index, base, disp };
  };

  for (let k = 0; k < recs.length; k++) {
    const r = recs[k];
    if (r.t === "label" && r.name.endsWith(RESUME_LABEL)) {
      // Entered from outside: esi is the instruction again, a loop's registers are loaded.
      if (st) fail(`falls into ${r.name}`);
      st = new Map([["esi", { k: "SELF" }]]);
      seen.set(r.name, new Map(st));
      out.push({ t: "label", name: r.name }, ...(lr ? regLoads() : []));
      continue;
    }
    if (r.t === "label") {
      // A loop's head: what is bound is loaded before it (a value loaded in the loop would be
      // loaded again on every pass); a jump from above may bring no binding but esi's.
      if (loopHeads.has(r.name)) {
        if (st) for (const [reg, v] of [...st]) if (reg !== "esi" && v !== "poison") materialise(reg);
        for (const p of pending.get(r.name) ?? []) for (const [reg] of p) if (reg !== "esi") fail(`a jump into the loop at ${r.name} with ${reg} bound`);
      }
      const incoming = [...(pending.get(r.name) ?? [])];
      if (st) incoming.push(st);
      st = merge(incoming) ?? new Map();
      seen.set(r.name, new Map(st));
      out.push({ t: "label", name: r.name });
      continue;
    }
    if (!st) {
      // Unreachable code between a jump and the next label: skipped.
      continue;
    }
    if (r.t === "jmp" && r.target === END) { toEnd(); continue; }
    if (r.t === "jmp" || r.t === "jcc" || r.t === "call") {
      if (r.t === "call") {
        if (defined.has(r.target)) fail(`calls inside itself`);
        out.push({ t: "call", target: r.target });
        continue;
      }
      if (defined.has(r.target)) {
        note(r.target);
        out.push(r.t === "jmp" ? { t: "jmp", target: r.target } : { t: "jcc", cc: r.cc, target: r.target });
      } else if (r.t === "jmp") {
        // A way out of compiled code (a trap, the interrupt entry): a loop's registers written back first.
        out.push(...spills());
        materialiseAll(out, r.target);
        out.push({ t: "jmp", target: r.target });
      } else {
        const mats: Out[] = spills();
        materialiseAll(mats, r.target);
        if (!mats.length) out.push({ t: "jcc", cc: r.cc, target: r.target });
        else {
          const stub = `@stub${stubN++}`;
          out.push({ t: "jcc", cc: r.cc, target: stub });
          stubs.push({ t: "label", name: stub }, ...mats, { t: "jmp", target: r.target });
        }
      }
      if (r.t === "jmp") st = null;
      continue;
    }
    // An instruction.
    const { m } = r;
    const ops = r.ops;
    const r0 = typeof ops[0] === "string" ? parent(ops[0]) : undefined;
    // Operand fetches and the other esi patterns.
    if (m === "movzx" && r0 && isMemOp(ops[1]) && ops[1].base === "esi" && !ops[1].index && bound("esi")?.k === "SELF") {
      const d = ops[1].disp, sz = ops[1].size;
      const k2 = sz === 8 && d === 4 ? "A" : sz === 8 && d === 5 ? "B" : sz === 8 && d === 6 ? "C"
        : sz === 16 && d === 6 ? "FRAME" : sz === 16 && d === 12 ? "X16" : sz === 16 && d === 14 ? "FIDX" : fail(`movzx from [esi+${String(d)}]`);
      st.set(r0, { k: k2 });
      continue;
    }
    if (m === "mov" && r0 && isMemOp(ops[1]) && ops[1].base === "esi" && !ops[1].index && ops[1].size === 32 && bound("esi")?.k === "SELF"
      && ((ops[1].disp === 8 && iTarget) || (ops[1].disp === 12 && xTarget))) {
      st.set(r0, { k: "TGT", f: ops[1].disp === 8 ? "I" : "X" });
      continue;
    }
    // A slot's address, ebp + 4 * field: bound, so that a call's frame end and its new ebp come from holes.
    if (m === "lea" && r0 && r0 !== "ebp" && isMemOp(ops[1]) && ops[1].base === "ebp" && ops[1].index && ops[1].scale === 4 && !ops[1].disp) {
      const v = bound(ops[1].index);
      if (v && (v.k === "A" || v.k === "B" || v.k === "C")) {
        if (regOf[v.k]) fail(`takes the address of slot ${v.k}, which lives in a register`);
        st.set(r0, { k: "SLOTADDR", f: v.k }); continue;
      }
    }
    if (m === "add" && r0 && ops[0] === r0 && typeof ops[1] === "string" && bound(ops[1] as Reg32)?.k === "SLOTADDR"
      && (bound(ops[1] as Reg32) as { f: string }).f === "A" && bound(r0)?.k === "X16" && !readsFlags(recs, k + 1)) {
      out.push({ t: "i", m: "lea", ops: [r0, { mem: true, base: "ebp", disp: holeOf("SAX"), size: 0 }] });
      st.delete(r0);
      continue;
    }
    if (m === "mov" && ops[0] === "ebp" && typeof ops[1] === "string" && bound(ops[1] as Reg32)?.k === "SLOTADDR") {
      const src = ops[1] as Reg32, v = bound(src) as { f: "A" | "B" | "C" };
      // Other slot addresses are relative to the old ebp: made real first.
      for (const [r, b] of [...st]) if (r !== src && b !== "poison" && b.k === "SLOTADDR") materialise(r);
      out.push({ t: "i", m: "lea", ops: ["ebp", { mem: true, base: "ebp", disp: holeOf(("S" + v.f) as HoleKind), size: 0 }] });
      st.delete(src);
      continue;
    }
    // Anything else that writes ebp: slot addresses bound to registers are made real first.
    if (r0 === "ebp" || (m === "pop" && ops[0] === "ebp")) for (const [r, b] of [...st]) if (b !== "poison" && b.k === "SLOTADDR") materialise(r);
    if (m === "lea" && r0 && r0 !== "esi" && isMemOp(ops[1]) && ops[1].base === "esi" && !ops[1].index && ops[1].disp === 16 && bound("esi")?.k === "SELF") {
      st.set(r0, { k: "NEXT" });
      continue;
    }
    // A slot that lives in a loop register loaded into a scratch register: an alias of the loop register.
    if (m === "mov" && r0 && ops[0] === r0 && r0 !== "ebx" && r0 !== "esi" && isMemOp(ops[1]) && ops[1].base === "ebp" && ops[1].index && ops[1].scale === 4 && !ops[1].disp) {
      const v = bound(ops[1].index);
      const reg = v && (v.k === "A" || v.k === "B" || v.k === "C") ? regOf[v.k] : undefined;
      if (reg) { st.set(r0, { k: "REG", r: reg }); continue; }
    }
    // An alias plus a value, when nothing reads the flags: lea r, [register + value].
    if (m === "add" && r0 && ops[0] === r0 && bound(r0)?.k === "REG" && !readsFlags(recs, k + 1)
      && (typeof ops[1] === "number" || (isMemOp(ops[1]) && ops[1].base === "esi" && !ops[1].index && ops[1].disp === 8))) {
      const value = typeof ops[1] === "number" ? ops[1] : memOperand(ops[1] as Mem, 1, m);
      out.push({ t: "i", m: "lea", ops: [r0, { mem: true, base: (bound(r0) as { r: Reg32 }).r, disp: value as number | Hole, size: 0 }] });
      st.delete(r0);
      continue;
    }
    // I in a register: bound, so that a shift by it, a store of it or a global it indexes takes it as an immediate.
    if (m === "mov" && r0 && r0 !== "esi" && ops[0] === r0 && !iTarget && isMemOp(ops[1]) && ops[1].base === "esi" && !ops[1].index
      && ops[1].size === 32 && ops[1].disp === 8 && bound("esi")?.k === "SELF") {
      st.set(r0, { k: "I" });
      continue;
    }
    // The previous instruction's I (a CONST folded into this store: `_c`), likewise.
    if (m === "mov" && r0 && r0 !== "esi" && ops[0] === r0 && isMemOp(ops[1]) && ops[1].base === "esi" && !ops[1].index
      && ops[1].size === 32 && ops[1].disp === -8 && bound("esi")?.k === "SELF") {
      st.set(r0, { k: "PI" });
      continue;
    }
    // A store of a bound register: of its value, as an immediate.
    if (m === "mov" && ops.length === 2 && isMemOp(ops[0]) && ops[0].size === 32 && typeof ops[1] === "string" && R32.has(ops[1]) && bound(ops[1] as Reg32)) {
      const imm = (materialiseOps(ops[1] as Reg32, bound(ops[1] as Reg32)!)[0] as { ops: Operand[] }).ops[1];
      out.push({ t: "i", m, ops: [memOperand(ops[0], 0, m), imm] });
      continue;
    }
    // A byte store of the low byte of a register bound to I or PI: of an imm8.
    if (m === "mov" && ops.length === 2 && isMemOp(ops[0]) && ops[0].size === 8 && typeof ops[1] === "string" && !R32.has(ops[1])
      && /^[abcd]l$/.test(ops[1]) && ["I", "PI"].includes(bound(parent(ops[1])!)?.k ?? "")) {
      out.push({ t: "i", m, ops: [memOperand(ops[0], 0, m), holeOf(bound(parent(ops[1])!)!.k === "I" ? "I8" : "PI8", 0, 1)] });
      continue;
    }
    // A shift by cl bound to I: by an imm8.
    if (SHIFTS.has(m) && ops.length === 2 && ops[1] === "cl" && bound("ecx")?.k === "I" && !(typeof ops[0] === "string" && parent(ops[0]) === "ecx")) {
      const dst = isMemOp(ops[0]) ? memOperand(ops[0], 0, m) : ops[0];
      // (A slot operand that became a loop register is the register itself, not a binding of it.)
      if (!isMemOp(ops[0]) && typeof dst === "string" && bound(parent(dst)!)) materialise(parent(dst)!);
      out.push({ t: "i", m, ops: [dst, holeOf("I8", 0, 1)] });
      continue;
    }
    // r := bound value + r2, when nothing reads the flags: lea r, [r2 + value].
    if (m === "add" && r0 && ops[0] === r0 && typeof ops[1] === "string" && R32.has(ops[1]) && ops[1] !== r0 && !bound(ops[1] as Reg32)
      && bound(r0) && bound(r0)!.k !== "SELF" && bound(r0)!.k !== "REG" && !readsFlags(recs, k + 1)) {
      const imm = (materialiseOps(r0, bound(r0)!)[0] as { ops: Operand[] }).ops[1] as Hole;
      out.push({ t: "i", m: "lea", ops: [r0, { mem: true, base: ops[1] as Reg32, disp: imm, size: 0 }] });
      st.delete(r0);
      continue;
    }
    if (m === "add" && ops[0] === "esi" && ops[1] === 16 && bound("esi")?.k === "SELF") { st.set("esi", { k: "NEXT" }); continue; }
    if (m === "mov" && r0 && ops[0] === r0 && typeof ops[1] === "string" && R32.has(ops[1]) && bound(ops[1] as Reg32)) {
      st.set(r0, bound(ops[1] as Reg32)!);
      continue;
    }
    if (m === "jmp" && isMemOp(ops[0]) && ops[0].base === "esi" && !ops[0].index && !ops[0].disp) {
      const v = bound("esi");
      if (!v) { out.push({ t: "i", m, ops }); st = null; continue; }
      if (v.k === "NEXT") { toEnd(); continue; }
      else if (v.k === "TGT") {
        // Out of a loop with registers: written back first. To its head (the back edge): past its loads.
        if (lr?.outT) out.push(...spills());
        out.push({ t: "hjmp", kind: v.f === "I" ? "R_I" : "R_X", ...(lr?.skip ? { add: lr.skip } : {}) });
      }
      else fail(`jmp [esi] with esi bound to ${v.k}`);
      st = null;
      continue;
    }
    // The general case: memory operands, then register uses.
    if (lr && ops.some((o) => typeof o === "string" && parent(o) === "esi")) fail(`uses esi in '${m}' in a loop with registers`);
    // Implicit operands (cdq, mul, div read eax and edx): an alias there is loaded first.
    if (FIXED_REGS.has(m)) for (const x of ["eax", "edx"] as const) if (bound(x)?.k === "REG") materialise(x);
    let newOps = ops.map((o, i) => (isMemOp(o) ? memOperand(o, i, m) : o));
    const pureWrite = r0 && ops[0] === r0 && (PURE_WRITE.has(m) || (m === "xor" && ops[1] === r0));
    ops.forEach((o, i) => {
      if (typeof o !== "string") return;
      const p = parent(o);
      if (!p || !st!.has(p)) return;
      if (pureWrite && (i === 0 || m === "xor")) return; // xor r, r reads nothing
      // An alias only read here (not written: not the destination): the loop register itself.
      const v = st!.get(p);
      if (v !== "poison" && v?.k === "REG" && (p !== r0 || NO_WRITE.has(m)) && SUBREG[v.r][o] && !(SHIFTS.has(m) && i === 1) && !FIXED_REGS.has(m)) {
        newOps[i] = SUBREG[v.r][o] as Operand;
        return;
      }
      materialise(p);
    });
    if (pureWrite) st.delete(r0!);
    else if (r0 && st.has(r0) && !(NO_WRITE.has(m) && bound(r0)?.k === "REG")) materialise(r0);
    if (m === "imul" && newOps.length === 2 && isHole(newOps[1])) newOps = [newOps[0], newOps[0], newOps[1]];
    out.push({ t: "i", m, ops: newOps });
    if (m === "jmp") st = null;
  }
  if (st) fail(`falls off its end`);
  // A loop's head loads its registers first (the back edge jumps past these: boot/loopregs.ts headBytes).
  const loads: Out[] = lr?.head ? regLoads() : [];
  const ops = [...loads, ...hotPathLast(peephole([...out, ...stubs]))];
  // Never empty, but for a CONST folded into the store after it (`_n`: boot/jit.ts maps a code
  // address to the last instruction starting at or below it, which is then the store): every
  // other instruction's compiled code has an address of its own.
  if (!ops.length && !/_n(_|$)/.test(name)) return [{ t: "i", m: "mov", ops: ["eax", "eax"] }];
  return ops;
}

/** Jump threading, inverted jumps over jumps, dead code and redundant jumps, to a fixed point. */
function peephole(ops: Out[]): Out[] {
  const isUncond = (o: Out) => o.t === "jmp" || o.t === "hjmp" || (o.t === "i" && o.m === "jmp");
  for (let changed = true; changed;) {
    changed = false;
    // The op a label leads to (labels skipped), by label.
    const at = new Map<string, Out | undefined>();
    ops.forEach((o, k) => {
      if (o.t !== "label") return;
      let j = k + 1;
      while (j < ops.length && ops[j].t === "label") j++;
      at.set(o.name, ops[j]);
    });
    ops = ops.map((o) => {
      if (o.t !== "jmp" && o.t !== "jcc") return o;
      const next = at.get(o.target);
      if (!next || o.target === END) return o;
      if (next.t === "jmp" && next.target !== o.target) { changed = true; return { ...o, target: next.target }; }
      if (next.t === "hjmp") { changed = true; return o.t === "jmp" ? { t: "hjmp", kind: next.kind, add: next.add } : { t: "hjcc", cc: o.cc, kind: next.kind, add: next.add }; }
      return o;
    });
    // jcc L1; jmp X; L1:  →  j!cc X; L1:
    for (let k = 0; k + 2 < ops.length; k++) {
      const a = ops[k], b = ops[k + 1], c = ops[k + 2];
      if (a.t === "jcc" && c.t === "label" && a.target === c.name && (b.t === "jmp" || b.t === "hjmp")) {
        ops[k] = b.t === "jmp" ? { t: "jcc", cc: INVERSE[a.cc], target: b.target } : { t: "hjcc", cc: INVERSE[a.cc], kind: b.kind, add: b.add };
        ops.splice(k + 1, 1);
        changed = true;
      }
    }
    // Dead code after an unconditional jump, up to a label something jumps to.
    const used = new Set(ops.flatMap((o) => (o.t === "jmp" || o.t === "jcc" ? [o.target] : o.t === "label" && o.name.endsWith(RESUME_LABEL) ? [o.name] : [])));
    const kept: Out[] = [];
    let dead = false;
    for (const o of ops) {
      if (o.t === "label") {
        if (!used.has(o.name)) { changed = true; continue; }
        dead = false;
      }
      if (dead) { changed = true; continue; }
      kept.push(o);
      if (isUncond(o)) dead = true;
    }
    ops = kept;
    // A jump to the label right after it, or to the end at the end.
    for (let k = 0; k < ops.length; k++) {
      const o = ops[k];
      if (o.t !== "jmp") continue;
      let j = k + 1;
      const labels: string[] = [];
      while (j < ops.length && ops[j].t === "label") labels.push((ops[j++] as { name: string }).name);
      if ((j === ops.length && o.target === END) || labels.includes(o.target)) { ops.splice(k, 1); k--; changed = true; }
    }
  }
  return ops;
}

/**
 * Lays the hot path out last, so that it falls through into the next stencil: where the stencil
 * leaves for END by a jump with a cold block after it (a trap stub, an interrupt entry), the cold
 * block moves up behind the first conditional jump into it, which is inverted to jump over it:
 *
 *   cmp; ja oob; movzx; jmp END; oob: mov eax, 3; jmp vm_trap
 *   →  cmp; jbe hot; oob: mov eax, 3; jmp vm_trap; hot: movzx
 *
 * One instruction fewer on the hot path (a taken jump counts as one, as an untaken one does).
 */
function hotPathLast(ops: Out[]): Out[] {
  const isUncond = (o: Out) => o.t === "jmp" || o.t === "hjmp" || (o.t === "i" && o.m === "jmp");
  for (let n = 0; ; n++) {
    let k = -1;
    for (let j = ops.length - 2; j >= 0; j--) if (ops[j].t === "jmp" && (ops[j] as { target: string }).target === END) { k = j; break; }
    if (k < 0) return ops;
    const cold = ops.slice(k + 1), head = cold[0];
    if (head.t !== "label" || !isUncond(cold[cold.length - 1])) return ops;
    const j = ops.findIndex((o, i) => i < k && o.t === "jcc" && o.target === head.name);
    if (j < 0) return ops;
    const jcc = ops[j] as { cc: string };
    const hot = `@hot${n}`;
    ops = [...ops.slice(0, j), { t: "jcc", cc: INVERSE[jcc.cc], target: hot }, ...cold, { t: "label", name: hot }, ...ops.slice(j + 1, k)];
  }
}

/** Emits a stencil's ops into `s` (the image's read-only section) under the label `label`. */
export function emitStencil(s: Section, label: string, ops: Out[]): { holeItems: HoleItem[] } {
  const ren = (l: string) => (l === END ? `${label}_end` : l.startsWith("@") || ops.some((o) => o.t === "label" && o.name === l) ? `${label}_${l.replace("@", "")}` : l);
  const holeItems: HoleItem[] = [];
  const resume = ops.find((o) => o.t === "label" && o.name.endsWith(RESUME_LABEL)) as { name: string } | undefined;
  s.label(label);
  for (const o of ops) {
    const item = s.items.length;
    switch (o.t) {
      case "label": s.label(ren(o.name)); break;
      case "jmp": s.jmp(ren(o.target)); break;
      case "call": s.call(o.target); break;
      case "jcc": s.jcc(o.cc, ren(o.target)); break;
      case "hjmp": s.jmp(label); holeItems.push({ item, branch: o.kind, add: o.add }); break;
      case "hjcc": s.jcc(o.cc, label); holeItems.push({ item, branch: o.kind, add: o.add }); break;
      case "i":
        s.i(o.m, ...o.ops);
        if (o.ops.some((x) => isHole(x) && x.hole === "RESUME")) {
          if (!resume) throw new Error(`internal: stencil ${label}: a RESUME hole without its label`);
          holeItems.push({ item, resume: ren(resume.name) });
        } else if (o.ops.some((x) => isHole(x) || (isMemOp(x) && isHole(x.disp)))) holeItems.push({ item });
        break;
    }
  }
  s.label(`${label}_end`);
  s.i("int3"); // not part of the stencil: the instruction its end label needs
  return { holeItems };
}

/** After assembling: the stencil's bytes, holes (located by decoding) and external jumps. */
/** An instruction of a stencil with a hole: a branch's rel32, a RESUME (to that label), or its operands'. */
export interface HoleItem { item: number; branch?: "R_I" | "R_X"; add?: number; resume?: string }

export function locateStencil(enc: Encoded, labels: Map<string, number>, s: Section, label: string, holeItems: HoleItem[]): Stencil {
  const start = labels.get(label)!, end = labels.get(`${label}_end`)!;
  const holes: StencilHole[] = [];
  const decodeAt = (addr: number) => {
    const off = addr - enc.base;
    const d = new Decoder(32, enc.bytes.subarray(off, off + 15), DecoderOptions.None);
    d.ip = BigInt(addr);
    const ins = d.decode();
    return { d, ins };
  };
  const parse = (h: Hole) => {
    const [kind, add] = h.hole.split(":");
    if (!(HOLE_KINDS as readonly string[]).includes(kind)) throw new Error(`internal: hole kind ${kind}`);
    return { kind: kind as HoleKind, add: Number(add ?? 0) };
  };
  for (const { item, branch, add, resume } of holeItems) {
    const addr = enc.itemAddrs[item];
    const { d, ins } = decodeAt(addr);
    try {
      if (branch) { holes.push({ off: addr + ins.length - 4 - start, kind: branch, add: add ?? 0, size: 4 }); continue; }
      if (resume) {
        // The label's distance from the hole (a byte): the compiler adds it to the hole's address.
        const co = d.getConstantOffsets(ins), at = addr + co.immediateOffset, size = co.immediateSize, dist = labels.get(resume)! - at;
        co.free();
        if (size !== 4 || dist < 0 || dist > 0xff) throw new Error(`internal: stencil ${label}: its resume is ${dist} bytes from its hole`);
        holes.push({ off: at - start, kind: "RESUME", add: dist, size: 4 });
        continue;
      }
      const it = s.items[item] as { kind: "ins"; ops: Operand[]; mnemonic: string };
      const co = d.getConstantOffsets(ins);
      for (const o of it.ops) {
        if (isMemOp(o) && isHole(o.disp)) {
          const h = parse(o.disp);
          const kind = h.kind === "CALLEE_SLOT" && it.mnemonic === "jmp" ? "CALLEE_JMP" : h.kind;
          holes.push({ off: addr + co.displacementOffset - start, kind, add: h.add, size: 4 });
        } else if (isHole(o)) {
          const h = parse(o);
          if (co.immediateSize !== o.size) throw new Error(`internal: stencil ${label}: a ${o.size}-byte hole encoded in ${co.immediateSize} bytes`);
          holes.push({ off: addr + co.immediateOffset - start, kind: h.kind, add: h.add, size: o.size });
        }
      }
      co.free();
    } finally { ins.free(); d.free(); }
  }
  // Jumps and calls out of the stencil: relocated.
  for (const a of [...enc.insnStarts].filter((x) => x >= start && x < end).sort((x, y) => x - y)) {
    const { d, ins } = decodeAt(a);
    try {
      const fc = ins.flowControl;
      if ((fc === FlowControl.UnconditionalBranch || fc === FlowControl.ConditionalBranch || fc === FlowControl.Call) && (ins.isJmpShortOrNear || ins.isJccShortOrNear || ins.isCallNear)) {
        const t = Number(ins.nearBranchTarget);
        const off = a + ins.length - 4 - start;
        if (holes.some((h) => h.off === off)) continue;
        if (ins.length < 5) throw new Error(`internal: stencil ${label}: a short branch`);
        if (t < start || t > end) holes.push({ off, kind: "REL", add: 0, size: 4 });
      }
    } finally { ins.free(); d.free(); }
  }
  holes.sort((x, y) => x.off - y.off);
  return { name: label, addr: start, size: end - start, holes };
}
