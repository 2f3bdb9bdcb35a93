// Which handler variant runs each kbc instruction: in the interpreter (its threaded code names the
// handler) and in compiled code (jit_sid names the stencil). Both come from boot/vm.ts's emitters;
// the compiled tier also has stencil-only variants (vm.ts, JitFlags), chosen here from what the
// code around an instruction does with eax and from slot liveness (toolchain/kbc/liveness.ts).

import { OPCODES, COMPARE } from "../toolchain/kbc/opcodes.ts";
import type { KbcModule } from "../toolchain/kbc/module.ts";
import { liveOut, isLive, WRITES_A, branchTargets, successors } from "../toolchain/kbc/liveness.ts";
import {
  EAX_CONSUMERS, JIT_EAX_CONSUMERS, SWAPPABLE, IN_PLACE, MEMORY_OPS, CONST_STORES, NO_JIT_FLAGS, ZERO_UNROLL, isBranch, variantName,
  type InterpreterInfo, type JitFlags,
} from "./vm.ts";
import { LOOP_OPS, encodeLoopRegs, headBytes, type LoopRegs } from "./loopregs.ts";

/** Compare-and-branch, register and immediate forms: they load R[A] (or R[B], swapped) into eax. */
const COMPARE_BRANCHES = new Set(COMPARE.flatMap(([k]) => ["B" + k, "B" + k + "I"]));
const fieldsOf = (w: number) => ({ op: OPCODES[w & 0xff], A: (w >>> 8) & 0xff, B: (w >>> 16) & 0xff, C: w >>> 24 });

/** Instructions entered other than by falling through: function starts, branch targets, jump-table entries. */
function enteredMap(m: KbcModule): Uint8Array {
  const n = m.code.length >> 1;
  const entered = new Uint8Array(n + 1);
  for (const f of m.functions) entered[f.start] = 1;
  for (let pc = 0; pc < n; pc++) for (const t of branchTargets(m, pc)) entered[t] = 1;
  return entered;
}

/** Is the instruction at pc a backward branch (a safe point)? */
export function backward(m: KbcModule, pc: number): boolean {
  const w = m.code[2 * pc], I = m.code[2 * pc + 1], op = OPCODES[w & 0xff];
  const target = op.format[3] === "t" ? pc + 1 + I : op.format[1] === "s" ? pc + 1 + (w >> 16) : -1;
  return target >= 0 && target <= pc && isBranch(op.name);
}

/**
 * The interpreter's handler variant (its label) for each instruction: `_sp` for a backward branch
 * (a safe point), `_e` for an operand forwarded in eax (see boot/vm.ts). Operand forwarding needs
 * the instruction reached only by falling through from its producer.
 */
export function handlerVariants(m: KbcModule, info: InterpreterInfo, opts: { noForwarding?: boolean } = {}): string[] {
  const n = m.code.length >> 1;
  const entered = enteredMap(m);
  const out: string[] = [];
  for (let pc = 0; pc < n; pc++) {
    const { op, A, B } = fieldsOf(m.code[2 * pc]);
    let e = false;
    if (pc > 0 && !entered[pc] && !opts.noForwarding) {
      const field = EAX_CONSUMERS.get(op.name), prev = fieldsOf(m.code[2 * (pc - 1)]);
      e = !!field && info.producers.has(prev.op.name) && prev.A === (field === "A" ? A : B);
    }
    out.push(variantName(op.name, backward(m, pc), e));
  }
  return out;
}

/**
 * The stencil for each instruction in compiled code. Beyond the interpreter's variants it knows
 * where eax holds a slot's value after an instruction (`held`): a producer's R[A]; a compare-and-
 * branch's R[A] when it falls through; a call's result (a callee returning one 32-bit value: RET
 * leaves it in eax); carried over an in-place op or a CONST that leaves eax alone. An instruction
 * reached only by falling through that reads that slot first takes it from eax (`_e`; `_e_s` for
 * a commutative operator's C). A producer whose slot nobody reads afterwards but that reader is
 * `_d` (not stored). An operator whose A is its B (or C) becomes in place (`_m`) when its result
 * is not wanted in eax next, a load or store at offset 0 `_z`.
 */
export function jitVariants(m: KbcModule, info: InterpreterInfo, opts: { exact?: boolean } = {}): string[] {
  const n = m.code.length >> 1;
  const entered = enteredMap(m);
  const live = liveOut(m);
  const out: string[] = [];
  /** The slot eax holds after each instruction when it falls through (-1: none). */
  const held = new Int32Array(n).fill(-1);
  /** ... and on its taken edge, for a forward branch that is not a safe point. */
  const carried = new Int32Array(n).fill(-1);
  /**
   * Where eax comes from into each instruction: `unknown` (a function's start, a jump-table entry,
   * the target of a backward branch — a safe point, where an interrupt handler may run first) or
   * the forward branches into it besides the fall-through.
   */
  const unknown = new Uint8Array(n + 1);
  const branchesIn: number[][] = Array.from({ length: n + 1 }, () => []);
  for (const f of m.functions) unknown[f.start] = 1;
  for (let pc = 0; pc < n; pc++) {
    const w = m.code[2 * pc], I = m.code[2 * pc + 1], op = OPCODES[w & 0xff];
    const target = op.format[3] === "t" ? pc + 1 + I : op.format[1] === "s" ? pc + 1 + (w >> 16) : -1;
    if (op.name === "BRTABLE") for (let k = 0; k <= I; k++) unknown[pc + 1 + k] = 1;
    else if (target >= 0) { if (target <= pc) unknown[target] = 1; else branchesIn[target].push(pc); }
  }
  /** Whether that value is only in eax, its slot not written (`_d`). */
  const heldStale = new Uint8Array(n), carriedStale = new Uint8Array(n);
  /** The slot eax holds on entering pc on every path into it (-1: none or not the same), and whether it is only there. */
  const eaxIn = (pc: number): { slot: number; stale: boolean } => {
    if (unknown[pc]) return { slot: -1, stale: false };
    const from = branchesIn[pc].map((q) => ({ slot: carried[q], stale: carriedStale[q] === 1 }));
    if (pc > 0 && !OPCODES[m.code[2 * (pc - 1)] & 0xff].terminator) from.push({ slot: held[pc - 1], stale: heldStale[pc - 1] === 1 });
    if (!from.length || !from.every((x) => x.slot === from[0].slot)) return { slot: -1, stale: false };
    return { slot: from[0].slot, stale: from.some((x) => x.stale) };
  };
  /**
   * The operand field instruction pc would take from eax were eax to hold `slot` (null: none);
   * `swap` when that takes its operands swapped (`_s`).
   */
  const takesField = (pc: number, slot: number, joins = false): { field: "A" | "B" | "C"; swap: boolean } | null => {
    if (pc >= n || slot < 0 || (entered[pc] && !joins)) return null;
    const { op, A, B, C } = fieldsOf(m.code[2 * pc]);
    const field = JIT_EAX_CONSUMERS.get(op.name);
    if (field === "A" && A === slot) return { field: "A", swap: false };
    if (field === "B" && B === slot) return { field: "B", swap: false };
    if (field === "B" && SWAPPABLE.has(op.name) && op.format === "rrr-" && C === slot) return { field: "C", swap: true };
    if (field === "A" && SWAPPABLE.has(op.name) && op.format === "rr-t" && B === slot) return { field: "B", swap: true };
    return null;
  };
  const takes = (pc: number, slot: number) => takesField(pc, slot)?.field ?? null;
  /**
   * A CONST or an immediate op on its own slot, done in place (`_m`) because the next instruction
   * does not want its result in eax: it leaves eax alone, so it carries what eax held.
   */
  const inPlaceImm = (pc: number): boolean => {
    const { op, A, B } = fieldsOf(m.code[2 * pc]);
    return IN_PLACE.has(op.name) && (op.name === "CONST" || (op.format === "rr-i" && A === B)) && takes(pc + 1, A) === null;
  };
  /**
   * Does the store at pc take its value from the CONST just before it (`_c`, that CONST `_n`)?
   * Only when the store is reached through the CONST alone, and the CONST's slot is dead after it.
   */
  const constFold = (pc: number): boolean => {
    if (exact || pc <= 0 || pc >= n || entered[pc]) return false;
    const { op, A, B } = fieldsOf(m.code[2 * pc]), prev = fieldsOf(m.code[2 * (pc - 1)]);
    return CONST_STORES.has(op.name) && prev.op.name === "CONST" && prev.A === B && B !== A && !isLive(live, pc, B);
  };
  const callResult = (pc: number): boolean => {
    const w = m.code[2 * pc], I = m.code[2 * pc + 1], op = OPCODES[w & 0xff];
    if (op.name === "CALL") return m.functions[I].results === 1;
    if (op.name === "CALLI") return m.types[I]?.results === 1;
    return false;
  };

  // Exact (a debug image): every slot written when its instruction ends, every loop checking its safe point.
  const exact = !!opts.exact;
  const plans = exact ? new Array<LoopRegs | null>(n).fill(null) : loopRegisters(m, live);
  const folded = exact ? new Set<number>() : foldedSafePoints(m);
  for (let pc = 0; pc < n; pc++) {
    const w = m.code[2 * pc], I = m.code[2 * pc + 1];
    const { op, A, B, C } = fieldsOf(w);
    const jf: JitFlags = { ...NO_JIT_FLAGS };
    const { slot: before, stale } = eaxIn(pc);
    const t = takesField(pc, before, true);
    const e = t !== null;
    if (t?.swap) jf.s = true;
    if (MEMORY_OPS.has(op.name) && I === 0) jf.z = true;
    if (op.name === "ZERO" && B > 0 && B <= ZERO_UNROLL) jf.u = B;
    const producer = info.producers.has(op.name);
    if (constFold(pc)) jf.c = true;
    // In place, when the next instruction would not take the result from eax.
    if (op.name === "CONST" && constFold(pc + 1)) jf.n = true;
    else if (!e && inPlaceImm(pc)) jf.m = true;
    else if (!e && IN_PLACE.has(op.name) && takes(pc + 1, A) === null) {
      if (op.format === "rrr-" && A === B) jf.m = true;
      else if (op.format === "rrr-" && A === C && SWAPPABLE.has(op.name)) { jf.m = true; jf.s = true; }
    }
    const keep = (slot: number, only: boolean, branch = false) => {
      held[pc] = slot; heldStale[pc] = only ? 1 : 0;
      if (branch) { carried[pc] = slot; carriedStale[pc] = only ? 1 : 0; }
    };
    if (producer && !jf.m && !jf.n) {
      jf.d = dead(pc, A);
      keep(A, jf.d);
    } else if ((jf.n || (jf.m && inPlaceImm(pc))) && before >= 0 && before !== A) {
      keep(before, stale); // eax untouched
    } else if (COMPARE_BRANCHES.has(op.name)) {
      keep(jf.s ? B : A, e && stale, true); // the operand it loaded into eax, whichever way it goes
    } else if (op.name === "BZ" || op.name === "BNZ") {
      keep(e ? A : before, stale, true); // tested in eax, or compared in memory (eax untouched)
    } else if (op.name === "JMP") {
      carried[pc] = before; carriedStale[pc] = stale ? 1 : 0;
    } else if (callResult(pc)) {
      keep(A, false); // the callee's RET stored it in its R[0], which is R[A]
    } else if (op.name === "RET" && A === 0) {
      jf.d = !(e && stale); // the result is in R[0] already: no store
    }
    const plan = plans[pc];
    if (plan) {
      // In a loop with registers, eax after an instruction is claimed only for a producer's result
      // (its stencil loads it); otherwise it may be an alias of a loop register (boot/loopregs.ts).
      plan.eaxOut = producer && !jf.m && !jf.n;
      // Only an operand loaded from a loop register can leave an alias in eax: an instruction that
      // loads none (its register operand came in eax: `_e`), a folded CONST and an in-place op with
      // an immediate leave eax as before.
      const aliases = [...plan.map].some((r, i) => r !== "m" && "ABC"[i] !== t?.field) && !jf.n && !(jf.m && inPlaceImm(pc));
      if (!plan.eaxOut && aliases) { held[pc] = carried[pc] = -1; heldStale[pc] = carriedStale[pc] = 0; }
    }
    if (folded.has(pc)) jf.f = true;
    out.push(variantName(op.name, backward(m, pc) && !jf.f, e, jf));
  }
  plans.forEach((plan, pc) => { if (plan) out[pc] += encodeLoopRegs(plan); });
  return out;

  /**
   * Is R[slot], just produced at pc, read by nothing but the instruction that takes it from eax?
   * Follows eax across the instructions that carry it; each must not read the slot from memory.
   */
  function dead(pc: number, slot: number): boolean {
    if (exact) return false;
    if (!isLive(live, pc, slot)) return true;
    let j = pc + 1;
    // The instructions between that carry eax (CONST and in-place ops that write other slots).
    for (; j < n && !entered[j]; j++) {
      if (takes(j, slot) !== null) break;
      if (!inPlaceImm(j) || fieldsOf(m.code[2 * j]).A === slot) return false; // it must carry eax and leave the slot alone
    }
    const field = j < n && !entered[j] ? takes(j, slot) : null;
    if (field === null) return false;
    // The reader takes it in one field; does it read it in another too, or does anything read it later?
    const { op, A, B, C } = fieldsOf(m.code[2 * j]);
    const writesA = WRITES_A.has(op.name);
    const reads = (["A", "B", "C"] as const).filter((k, i) => op.format[i] === "r" && k !== field && { A, B, C }[k] === slot && !(k === "A" && writesA));
    if (reads.length || op.format[3] === "R" && m.code[2 * j + 1] === slot) return false;
    if (op.name === "CALL" || op.name === "CALLI" || op.name === "ABORT") return false;
    // The reader writes the slot itself (r = load(r)): the old value ends there.
    return (writesA && A === slot) || !isLive(live, j, slot);
  }
}

/**
 * The backward branches whose safe point compiled code leaves to the loads and stores of their
 * loops (`_f`, boot/vm.ts): every cycle of the control flow through them passes a load or store
 * (unpaged, each compares with jit_mem_limit, which makes it a safe point), a call (a safe point)
 * or a backward branch that keeps its own check. A fixed point: from all of them, drop each one
 * whose target reaches it without passing such an instruction — the back edges of those still in
 * the set taken as edges, the others' not (they check when taken) — until none is dropped. Then
 * no cycle is left without a safe point: a cycle has a back edge, and one in the set is on no
 * unguarded path from its target to itself.
 */
export function foldedSafePoints(m: KbcModule): Set<number> {
  const folded = new Set<number>();
  for (const f of m.functions) {
    const end = f.start + f.length;
    const kept = new Set<number>();
    for (let pc = f.start; pc < end; pc++) if (backward(m, pc)) kept.add(pc);
    const guarded = (pc: number) => { const name = OPCODES[m.code[2 * pc] & 0xff].name; return MEMORY_OPS.has(name) || name === "CALL" || name === "CALLI"; };
    const reaches = (from: number, to: number): boolean => {
      const seen = new Uint8Array(f.length);
      const stack = [from];
      while (stack.length) {
        const pc = stack.pop()!;
        if (pc === to) return true;
        if (seen[pc - f.start]) continue;
        seen[pc - f.start] = 1;
        if (guarded(pc)) continue;
        for (const t of successors(m, pc)) {
          if (t <= pc && backward(m, pc) && !kept.has(pc)) continue; // checks when taken
          if (t >= f.start && t < end) stack.push(t);
        }
      }
      return false;
    };
    for (let changed = true; changed;) {
      changed = false;
      for (const b of [...kept]) {
        const h = branchTargets(m, b).find((t) => t <= b)!;
        if (reaches(h, b)) { kept.delete(b); changed = true; }
      }
    }
    for (const b of kept) folded.add(b);
  }
  return folded;
}

/**
 * Loop registers (boot/loopregs.ts): for each innermost loop — a backward branch at b to h with no
 * other backward branch in [h, b], entered only at h, of LOOP_OPS alone — the two slots live into
 * h that its instructions name most live in ebx and esi. The plan of each instruction (null
 * outside such loops); jitVariants sets eaxOut and appends them to the stencils' names.
 */
function loopRegisters(m: KbcModule, live: Uint32Array): (LoopRegs | null)[] {
  const plans: (LoopRegs | null)[] = new Array(m.code.length >> 1).fill(null);
  for (const f of m.functions) {
    const end = f.start + f.length;
    for (let b = f.start; b < end; b++) {
      if (!backward(m, b)) continue;
      const h = branchTargets(m, b).find((t) => t <= b)!;
      let ok = true;
      for (let pc = h; pc <= b && ok; pc++) {
        const op = OPCODES[m.code[2 * pc] & 0xff];
        ok = LOOP_OPS.has(op.name) && (pc === b || !backward(m, pc)) && !plans[pc];
      }
      // Entered only at its head: no branch from outside lands inside it.
      for (let pc = f.start; pc < end && ok; pc++) if (pc < h || pc > b) ok = !branchTargets(m, pc).some((t) => t > h && t <= b);
      if (!ok) continue;
      const uses = new Map<number, number>();
      const slotFields = (pc: number) => { const { op, A, B, C } = fieldsOf(m.code[2 * pc]); return { op, fields: [A, B, C] }; };
      for (let pc = h; pc <= b; pc++) {
        const { op, fields } = slotFields(pc);
        for (let k = 0; k < 3; k++) if (op.format[k] === "r") uses.set(fields[k], (uses.get(fields[k]) ?? 0) + 1);
      }
      // The slots live into the head (carried round the loop or read in it unchanged), most named first.
      const head = fieldsOf(m.code[2 * h]);
      const liveIn = (slot: number) => ["A", "B", "C"].some((k, i) => head.op.format[i] === "r" && !(i === 0 && WRITES_A.has(head.op.name)) && head[k as "A"] === slot)
        || (isLive(live, h, slot) && !(WRITES_A.has(head.op.name) && head.A === slot));
      const slots = [...uses].filter(([slot]) => liveIn(slot)).sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, 2).map(([slot]) => slot);
      if (!slots.length) continue;
      // Both written back on the way out, whether the loop writes them or not: one store, and no
      // reliance on knowing every opcode that writes a slot.
      const regs: [number, number] = [slots[0], slots[1] ?? -1];
      for (let pc = h; pc <= b; pc++) {
        const { op, fields } = slotFields(pc);
        const map = [0, 1, 2].map((k) => (op.format[k] !== "r" ? "m" : fields[k] === regs[0] ? "b" : fields[k] === regs[1] ? "s" : "m")).join("");
        plans[pc] = {
          map,
          slots: regs,
          head: pc === h,
          outT: branchTargets(m, pc).some((t) => t < h || t > b),
          outE: pc === b && !op.terminator && op.name !== "JMP",
          skip: pc === b ? headBytes(regs) : 0,
          eaxOut: false, // set by jitVariants
        };
      }
    }
  }
  return plans;
}
