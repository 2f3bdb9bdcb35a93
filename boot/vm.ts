// The guest's kbc interpreter in x86: one handler per opcode of toolchain/kbc/opcodes.ts, each
// ending with its own copy of the dispatch sequence. Semantics: exactly the host interpreter's
// (toolchain/kbc/interp.ts). Units: bytes; slots are 4 bytes.
//
// The guest runs kbc in threaded form: the image builder (boot/image.ts) expands every 8-byte
// kbc instruction into a 16-byte one whose first word is its handler's address and whose branch
// and call targets are absolute addresses, so dispatch is two instructions:
//
//    +0        +4  +5  +6  +7    +8              +12
//   ┌─────────┬───┬───┬───┬───┬───────────────┬───────────────────────────────────────┐
//   │ handler │ A │ B │ C │ 0 │ I             │ X                                     │
//   └─────────┴───┴───┴───┴───┴───────────────┴───────────────────────────────────────┘
//   I: kbc's I, except: branch targets (format t) → target address; CALL → callee's code address
//   X: B<cc>I → target address (kbc's 16-bit S); CALL → callee's frame size in bytes; else 0
//
// Pinned registers (never clobbered by a handler):
//   esi  pc: address of the current 16-byte instruction
//   ebp  frame base: address of slot R[0] of the current frame
//   edi  control stack pointer: next free entry (8 bytes: return pc, caller's ebp)
// Scratch: eax, ebx, ecx, edx. A trap leaves esi on the trapping instruction (the panic path
// reads it). Dispatch, replicated at the end of every handler:
//   add esi, 16 ; jmp [esi]
// A continuation (a return address on the control stack, where an interrupt handler returns to,
// a thread's saved pc) is the address of a word holding the code to continue at: a threaded
// instruction (its handler), or with the compiling tier a compiled instruction's jit_pcmap cell
// or a function's jit_code cell. `mov esi, it; jmp [esi]` continues at any of them.
//
// Operand forwarding: every handler that ends by storing R[A] from eax (a "producer") leaves the
// value in eax at dispatch. An instruction that reads that slot first (a "consumer": its B, or A
// for branches) and is reached only by falling through from the producer gets an `_e` variant of
// its handler, picked by the image builder, that takes the operand from eax instead of the slot.
//
// Safe points: a backward branch (its `_sp` handler, picked by the image builder, which also
// stores the function's frame size at +6) and a call check irq_deliver when they transfer
// control; if set, irq_enter calls the kernel's interrupt handler in a frame just above the
// current one, returning through IRQRET (a native-only handler) to where control was going.

import { Section, mem, m8, m16, ref, hole, type Reg32, type Operand } from "./asm.ts";
import { OPCODES, COMPARE, TRAP_CODES, MARK_PORT, VM_CONTEXT as CX, type OpInfo } from "../toolchain/kbc/opcodes.ts";
import { Recorder, rewrite, END, RESUME_LABEL, RECHECK, REENTRY, type StencilOps } from "./stencil.ts";
import { withoutLoopRegs } from "./loopregs.ts";

/** What a handler is emitted into: the image's text (the interpreter) or a Recorder (its stencil). */
interface Emit {
  i(m: string, ...ops: Operand[]): this;
  jmp(target: string): this;
  call(target: string): this;
  jcc(cc: string, target: string): this;
  label(name: string): this;
}

/** Labels the interpreter expects the image to define (data and cold code). */
/** The threaded instruction: size and field offsets. */
export { TI } from "./abi.ts";
import { TI } from "./abi.ts";

export const VM_LABELS = {
  ftab: "func_table",             // 16 bytes per function: code address, frame bytes, signature, end address
  itab: "indirect_table",         // function index per table slot (-1 = null)
  itabLen: "indirect_table_len",  // dword
  globals: "vm_globals",          // dword per global (data)
  lim: "mem_limit",               // dwords: limit-1, limit-2, limit-4 (last valid address of a 1/2/4-byte access), limit
  stackEnd: "vm_stack_end",       // dword: end of the VM slot stack
  ctlEnd: "vm_ctl_end",           // dword: end of the control stack
  ctlFloor: "vm_ctl_floor",       // dword: control stack pointer of the outermost frame of this vm_call
  floorEntry: "vm_floor_cont",    // the continuation of the entry below the floor: vm_return (see RET)
  trap: "vm_trap",                // eax = trap code; esi = faulting instruction
  abort: "vm_abort",              // eax = address of the 4 argument slots
  exit: "vm_exit",                // eax = exit code
  ret: "vm_return",               // RET from the outermost frame
  irqEnter: "irq_enter",          // eax = continuation pc, ecx = end of the interrupted frame: calls the handler
  irqDeliver: "irq_deliver",      // dword: nonzero when lines are latched and handlers may run (checked at safe points)
  callLimit: "vm_call_limit",     // dword: what a call checks its frame's end against: vm_stack_end, 0 while irq_deliver is set
  jitLim: "jit_mem_limit",        // dword: what compiled loads and stores check an address against (below it: in memory), jit_mem_norm, 0 while irq_deliver is set
  jitLimNorm: "jit_mem_norm",     // dword: mem_limit's 4-byte word + 1 (all ones once paging is on)
  irqPending: "irq_pending",      // dword: latched IRQ lines (bit n: line n)
  irqBlocked: "irq_blocked",      // dword: nonzero while the interrupt handler runs
  irqFn: "irq_fn",                // dwords: the handler's code address (0: none), its frame bytes
  irqCounts: "irq_counts",        // 16 dwords: how many times each line fired
  stringRegs: "vm_string_regs",   // dwords: the VM's esi, edi during a rep string instruction, and 1 while there
  faultFn: "fault_fn",            // dwords: the page-fault handler's code address (0: none), its frame bytes
} as const;

/** Branch opcodes: their backward instances get a safe-point variant `op_<name>_sp` (see irq_enter). */
export const isBranch = (name: string): boolean => {
  const o = OPCODES.find((x) => x.name === name);
  return !!o && o.name !== "BRTABLE" && (o.format[3] === "t" || o.format[1] === "s");
};
/**
 * Opcodes with an `_e` variant and which of their operands it takes from eax: the first one their
 * handler reads (see operand forwarding).
 */
export const EAX_CONSUMERS: ReadonlyMap<string, "A" | "B"> = new Map<string, "A" | "B">([
  ...["MOV", "MUL", "MULI", "POPCNT", "LD32", "LD8S", "LD8U", "LD16S", "LD16U"].map((n) => [n, "B"] as const),
  ...["ADD", "SUB", "AND", "OR", "XOR", "ADDI", "ANDI", "ORI", "XORI", "SHL", "SHRS", "SHRU", "ROTL", "ROTR", "SHLI", "SHRSI", "SHRUI",
    "DIVS", "DIVU", "REMS", "REMU", "DIVSI", "DIVUI", "REMSI", "REMUI"].map((n) => [n, "B"] as const),
  ...COMPARE.flatMap(([k]) => [[k, "B"], [k + "I", "B"], ["B" + k, "A"], ["B" + k + "I", "A"]] as const),
  ["BZ", "A"], ["BNZ", "A"],
]);

/**
 * Stencil-only variants: picked per instruction for compiled code by the image builder
 * (boot/variants.ts) and derived from the same emitters; the interpreter never runs them. Their
 * suffixes follow `_sp` and `_e`, in this order:
 *   _s  operands swapped: the first operand is C (with `_e`, C comes in eax); a compare-and-branch
 *       compares R[B] with R[A], the relation mirrored
 *   _m  in place: R[A] op= its operand, A being B (or C with `_s`); CONST stores I directly.
 *       No result in eax.
 *   _z  a load or store whose offset I is 0: no wrap check
 *   _d  R[A] is dead once its one reader (the next instruction, through eax) has it: not stored;
 *       for RET of R[0], the result is in R[0] already
 *   _p  a load or store compiled once paging is on (mem_limit all ones: the MMU guards memory):
 *       only the wrap of R[B] + I past 4 GiB traps (`add eax, I; jc`); at offset 0 it has no check
 *       at all. Each `_p` stencil follows its checked twin in st_table (PAGED_TWIN); boot/jit.ts
 *       takes it when it compiles a function after paging went on.
 *   _c  a store whose value is the constant of the CONST just before it (ST32, ST8): an immediate
 *       store (`mov dword [eax], K`), the CONST's slot being dead after it
 *   _n  that CONST: it emits nothing (its stencil is empty)
 *   _f  a backward branch whose loop delivers interrupts at its loads and stores (boot/variants.ts,
 *       foldedSafePoints): no safe point of its own. Its PAGED_TWIN is the `_sp` form, for a
 *       function compiled once paging is on, whose loads and stores (`_p`) check nothing.
 *   _uN ZERO of N slots (B = N, at most ZERO_UNROLL) as N stores
 *
 * Compiled loads and stores that check the limit are safe points too: they compare the address
 * with jit_mem_limit, which is 0 while an interrupt waits for delivery (as vm_call_limit is for
 * calls), so every address takes their slow path, which delivers it (jit_irq_mem) and comes back
 * to the compare; out of delivery the slow path checks mem_limit itself (jit_mem_limit is the
 * 4-byte access's bound, rounded: a shorter access near the end takes the slow path and goes on).
 */
export interface JitFlags { s: boolean; m: boolean; z: boolean; d: boolean; p: boolean; c: boolean; n: boolean; f: boolean; u: number }
export const NO_JIT_FLAGS: JitFlags = { s: false, m: false, z: false, d: false, p: false, c: false, n: false, f: false, u: 0 };
const JIT_SUFFIXES = ["s", "m", "z", "d", "p", "c", "n", "f"] as const;
/** Stores that take a constant value from the CONST before them (`_c`). */
export const CONST_STORES = new Set(["ST32", "ST8"]);
/** ZERO of at most this many slots compiles to that many stores (`_u<count>`), not a loop. */
export const ZERO_UNROLL = 16;
/** Operands compiled code may also take from eax (besides EAX_CONSUMERS): a return's value, a store's address. */
export const JIT_EAX_CONSUMERS: ReadonlyMap<string, "A" | "B"> = new Map<string, "A" | "B">([
  ...EAX_CONSUMERS, ["RET", "A"], ["ST32", "A"], ["ST8", "A"], ["ST16", "A"], ["GSET", "A"],
]);
/** Operators whose operands `_s` swaps: the commutative ones, and compare-and-branch (the relation mirrored). */
export const SWAPPABLE = new Set(["ADD", "AND", "OR", "XOR", "MUL", ...COMPARE.map(([k]) => "B" + k)]);
/** Operators with an in-place (`_m`) form. */
export const IN_PLACE = new Set(["ADD", "SUB", "AND", "OR", "XOR", "ADDI", "ANDI", "ORI", "XORI", "SHLI", "SHRSI", "SHRUI", "CONST"]);
/** Loads and stores (their `_z` and `_p` forms). */
export const MEMORY_OPS = new Set(["LD32", "LD8S", "LD8U", "LD16S", "LD16U", "ST32", "ST8", "ST16"]);
/**
 * The variant compiled instead once paging is on (see JitFlags): a load or store's `_p` twin, a
 * folded backward branch's `_sp` form; undefined for any other variant.
 */
export function pagedTwin(name: string): string | undefined {
  const base = withoutLoopRegs(name), v = parseVariant(base);
  if (v.jit.f) return variantName(v.op, true, v.e, { ...v.jit, f: false }) + name.slice(base.length);
  return MEMORY_OPS.has(v.op) && !v.jit.p ? variantName(v.op, v.sp, v.e, { ...v.jit, p: true }) + name.slice(base.length) : undefined;
}
/** st_table's flag (in the hole-count word) of a stencil whose `_p` twin follows it. */
export const PAGED_TWIN = 0x8000_0000;

/** A handler variant's label: `op_<NAME>` and its suffixes. */
export function variantName(op: string, sp: boolean, e: boolean, jit: JitFlags = NO_JIT_FLAGS): string {
  return `op_${op}${sp ? "_sp" : ""}${e ? "_e" : ""}${JIT_SUFFIXES.filter((k) => jit[k]).map((k) => "_" + k).join("")}${jit.u ? `_u${jit.u}` : ""}`;
}
/** The parts of a variant's label (variantName's inverse). */
export function parseVariant(name: string): { op: string; sp: boolean; e: boolean; jit: JitFlags } {
  const [op, ...rest] = withoutLoopRegs(name).replace(/^op_/, "").split("_");
  const jit = { ...NO_JIT_FLAGS };
  for (const r of rest) {
    if ((JIT_SUFFIXES as readonly string[]).includes(r)) jit[r as (typeof JIT_SUFFIXES)[number]] = true;
    else if (/^u\d+$/.test(r)) jit.u = Number(r.slice(1));
  }
  return { op, sp: rest.includes("sp"), e: rest.includes("e"), jit };
}

/** The threaded-instruction offset of a backward branch's frame size in slots (u16; fields C and pad). */
export const TI_FRAME = 6;

const SLOT = (r: Reg32) => mem({ base: "ebp", index: r, scale: 4 });
const SLOT_HI = (r: Reg32) => mem({ base: "ebp", index: r, scale: 4, disp: 4 });
const IMM = mem({ base: "esi", disp: TI.I });
const XTRA = mem({ base: "esi", disp: TI.X });
const TRAP_NUM = (name: (typeof TRAP_CODES)[number]) => TRAP_CODES.indexOf(name);
/** The entry of function r (an index) with the compiling tier: compiled code or its trampoline. */
const JIT_ENTRY = (r: Reg32) => mem({ index: r, scale: 4, disp: ref("jit_code") });

const CC: Record<string, string> = { EQ: "e", NE: "ne", LTS: "l", LTU: "b", GTS: "g", GTU: "a", LES: "le", LEU: "be", GES: "ge", GEU: "ae" };
/** The relation with its operands swapped: a < b is b > a. */
const MIRROR: Record<string, string> = { EQ: "EQ", NE: "NE", LTS: "GTS", LTU: "GTU", GTS: "LTS", GTU: "LTU", LES: "GES", LEU: "GEU", GES: "LES", GEU: "LEU" };
const ALU: Record<string, string> = { ADD: "add", SUB: "sub", AND: "and", OR: "or", XOR: "xor" };
const SHIFT: Record<string, string> = { SHL: "shl", SHRS: "sar", SHRU: "shr", ROTL: "rol", ROTR: "ror" };

/**
 * Fault injection for the tests of the CPU-exception path: the handler of opcode `op` executes
 * a faulting x86 instruction instead of its own work.
 */
export interface FaultInjection { op: string; fault: "ud" | "de" | "df" | "int8" }

export interface InterpreterOptions {
  inject?: FaultInjection;
  /**
   * Build for the compiling tier (boot/jit.ts): calls go through jit_code, returns and context
   * switches may continue in compiled code, and every handler variant also gives a stencil.
   */
  jit?: boolean;
}

/** Emits the whole interpreter (hot code) into `s0`. */
export function emitInterpreter(s0: Section, opts: InterpreterOptions = {}): InterpreterInfo {
  const { inject, jit = false } = opts;
  let s: Emit = s0;
  /** True while a handler is being recorded for its stencil. */
  let stencilMode = false;
  const h = (name: string) => `op_${name}`;
  const fA = (r: Reg32) => s.i("movzx", r, m8({ base: "esi", disp: TI.A }));
  const fB = (r: Reg32) => s.i("movzx", r, m8({ base: "esi", disp: TI.B }));
  const fC = (r: Reg32) => s.i("movzx", r, m8({ base: "esi", disp: TI.C }));
  const jmpPc = () => { otherExit = true; s.i("jmp", mem({ base: "esi" })); };
  const dispatch = () => { if (stencilMode) s.jmp(END); else { s.i("add", "esi", TI.size); s.i("jmp", mem({ base: "esi" })); } };
  const next = () => { otherExit = true; dispatch(); };
  /** R[A] := eax, then dispatch (eax still holds it: see operand forwarding). */
  const storeA = () => { viaStoreA = true; if (!jf.d) { fA("edx"); s.i("mov", SLOT("edx"), "eax"); } dispatch(); };
  /** The variant being emitted: `_sp` for the safe-point handlers of backward branches, `_e` for operand forwarding. */
  let sp = "";
  let eIn = false;
  /** The stencil-only variant flags (see JIT_FLAGS); all off for the interpreter's handlers. */
  let jf: JitFlags = NO_JIT_FLAGS;
  let branchIrqCount = 0;
  const L = (name: string) => name + sp + (eIn ? "_e" : "");
  // Producer detection: an op whose every way out is storeA.
  let viaStoreA = false, otherExit = false;
  /** Branch to the target address in I (or X); at a safe point, first deliver latched interrupts. */
  const taken = (field = IMM) => {
    if (sp) {
      const irq = `br${branchIrqCount++}_irq`;
      s.i("cmp", mem({ disp: ref(VM_LABELS.irqDeliver) }), 0).jcc("ne", irq);
      s.i("mov", "esi", field); jmpPc();
      s.label(irq).i("mov", "eax", field).i("movzx", "ecx", m16({ base: "esi", disp: TI_FRAME }));
      s.i("lea", "ecx", mem({ base: "ebp", index: "ecx", scale: 4, size: 0 })).jmp(VM_LABELS.irqEnter);
      return;
    }
    s.i("mov", "esi", field); jmpPc();
  };
  const trapTo = (code: number) => { s.i("mov", "eax", code).jmp(VM_LABELS.trap); };
  /** eax := R[B] (in an `_e` variant it is there already). */
  const loadB = () => { if (!eIn) { fB("eax"); s.i("mov", "eax", SLOT("eax")); } };
  /** eax := R[A] (likewise). */
  const loadA = () => { if (!eIn) { fA("eax"); s.i("mov", "eax", SLOT("eax")); } };
  /** eax := R[C] (in an `_e_s` variant it is there already). */
  const loadC = () => { if (!eIn) { fC("eax"); s.i("mov", "eax", SLOT("eax")); } };

  const emitters: Record<string, () => void> = {
    NOP: () => next(),
    MOV: () => { loadB(); storeA(); },
    CONST: () => {
      if (jf.n) { next(); return; } // folded into the store after it (_c)
      if (jf.m) { fA("edx"); s.i("mov", SLOT("edx"), IMM); next(); return; }
      s.i("mov", "eax", IMM); storeA();
    },
    ZERO: () => {
      if (jf.u) {
        fA("edx");
        for (let k = 0; k < jf.u; k++) s.i("mov", mem({ base: "ebp", index: "edx", scale: 4, disp: 4 * k }), 0);
        next(); return;
      }
      fA("eax"); s.i("lea", "edx", mem({ base: "ebp", index: "eax", scale: 4, size: 0 }));
      fB("ecx"); s.i("xor", "eax", "eax");
      s.i("test", "ecx", "ecx").jcc("e", "zero_done");
      s.label("zero_loop").i("mov", mem({ base: "edx" }), "eax").i("add", "edx", 4).i("dec", "ecx").jcc("ne", "zero_loop");
      s.label("zero_done"); next();
    },
    GGET: () => { s.i("mov", "eax", IMM).i("mov", "eax", mem({ index: "eax", scale: 4, disp: ref(VM_LABELS.globals) })); storeA(); },
    GSET: () => { loadA(); s.i("mov", "edx", IMM).i("mov", mem({ index: "edx", scale: 4, disp: ref(VM_LABELS.globals) }), "eax"); next(); },
    RSUBI: () => { fB("edx"); s.i("mov", "eax", IMM).i("sub", "eax", SLOT("edx")); storeA(); },
    MUL: () => { if (jf.s) { loadC(); fB("edx"); } else { loadB(); fC("edx"); } s.i("imul", "eax", SLOT("edx")); storeA(); },
    MULI: () => { loadB(); s.i("imul", "eax", IMM); storeA(); },
    DIVS: () => divide(true, false, false), DIVU: () => divide(false, false, false),
    REMS: () => divide(true, true, false), REMU: () => divide(false, true, false),
    DIVSI: () => divide(true, false, true), DIVUI: () => divide(false, false, true),
    REMSI: () => divide(true, true, true), REMUI: () => divide(false, true, true),
    EQZ: () => { fB("edx"); s.i("xor", "eax", "eax").i("cmp", SLOT("edx"), 0).i("sete", "al"); storeA(); },
    CLZ: () => {
      fB("ecx"); s.i("mov", "ecx", SLOT("ecx")).i("mov", "eax", 32).i("test", "ecx", "ecx").jcc("e", "clz_done");
      s.i("bsr", "eax", "ecx").i("xor", "eax", 31); s.label("clz_done"); storeA();
    },
    CTZ: () => {
      fB("ecx"); s.i("mov", "ecx", SLOT("ecx")).i("mov", "eax", 32).i("test", "ecx", "ecx").jcc("e", "ctz_done");
      s.i("bsf", "eax", "ecx"); s.label("ctz_done"); storeA();
    },
    POPCNT: () => {
      // x - ((x >> 1) & 0x55555555); pairs; nibbles; multiply-add the bytes.
      loadB(); s.i("mov", "edx", "eax").i("shr", "edx", 1).i("and", "edx", 0x55555555).i("sub", "eax", "edx");
      s.i("mov", "edx", "eax").i("shr", "edx", 2).i("and", "eax", 0x33333333).i("and", "edx", 0x33333333).i("add", "eax", "edx");
      s.i("mov", "edx", "eax").i("shr", "edx", 4).i("add", "eax", "edx").i("and", "eax", 0x0f0f0f0f);
      s.i("imul", "eax", "eax", 0x01010101).i("shr", "eax", 24); storeA();
    },
    EXT8S: () => { fB("eax"); s.i("movsx", "eax", m8({ base: "ebp", index: "eax", scale: 4 })); storeA(); },
    EXT16S: () => { fB("eax"); s.i("movsx", "eax", m16({ base: "ebp", index: "eax", scale: 4 })); storeA(); },
    SELECT: () => {
      s.i("mov", "edx", IMM).i("cmp", SLOT("edx"), 0).jcc("ne", "select_b");
      fC("eax"); s.i("mov", "eax", SLOT("eax")); storeA();
      s.label("select_b"); loadB(); storeA();
    },
    LD32: () => load(4, (a) => s.i("mov", "eax", mem({ base: a }))),
    LD8S: () => load(1, (a) => s.i("movsx", "eax", m8({ base: a }))),
    LD8U: () => load(1, (a) => s.i("movzx", "eax", m8({ base: a }))),
    LD16S: () => load(2, (a) => s.i("movsx", "eax", m16({ base: a }))),
    LD16U: () => load(2, (a) => s.i("movzx", "eax", m16({ base: a }))),
    ST32: () => store(4, () => s.i("mov", mem({ base: "eax" }), "edx")),
    ST8: () => store(1, () => s.i("mov", m8({ base: "eax" }), "dl")),
    ST16: () => store(2, () => s.i("mov", m16({ base: "eax" }), "dx")),
    MCOPY: () => {
      // Bounds: dst + n and src + n within memory (no wrap), then memmove with rep movsb.
      fC("ecx"); s.i("mov", "ecx", SLOT("ecx"));
      fA("eax"); s.i("mov", "eax", SLOT("eax")); fB("edx"); s.i("mov", "edx", SLOT("edx"));
      for (const r of ["eax", "edx"] as const) {
        s.i("mov", "ebx", r).i("add", "ebx", "ecx").jcc("b", "mcopy_oob");
        s.i("cmp", "ebx", mem({ disp: ref(VM_LABELS.lim, 12) })).jcc("a", "mcopy_oob");
      }
      stringOpBegin(); s.i("push", "esi").i("push", "edi").i("mov", "edi", "eax").i("mov", "esi", "edx");
      s.i("cmp", "edi", "esi").jcc("be", "mcopy_fwd");
      s.i("lea", "ebx", mem({ base: "esi", index: "ecx", scale: 1, size: 0 })).i("cmp", "edi", "ebx").jcc("ae", "mcopy_fwd");
      // Overlapping with dst above src: copy backwards.
      s.i("lea", "esi", mem({ base: "esi", index: "ecx", scale: 1, disp: -1, size: 0 })).i("lea", "edi", mem({ base: "edi", index: "ecx", scale: 1, disp: -1, size: 0 }));
      s.i("std").i("rep_movsb").i("cld").jmp("mcopy_done");
      s.label("mcopy_fwd").i("rep_movsb");
      s.label("mcopy_done").i("pop", "edi").i("pop", "esi"); stringOpEnd(); next();
      s.label("mcopy_oob"); trapTo(TRAP_NUM("OOB"));
    },
    MFILL: () => {
      fC("ecx"); s.i("mov", "ecx", SLOT("ecx")); fA("edx"); s.i("mov", "edx", SLOT("edx"));
      s.i("mov", "ebx", "edx").i("add", "ebx", "ecx").jcc("b", "mfill_oob");
      s.i("cmp", "ebx", mem({ disp: ref(VM_LABELS.lim, 12) })).jcc("a", "mfill_oob");
      loadB(); stringOpBegin(); s.i("push", "edi").i("mov", "edi", "edx").i("rep_stosb").i("pop", "edi"); stringOpEnd();
      next();
      s.label("mfill_oob"); trapTo(TRAP_NUM("OOB"));
    },
    JMP: () => taken(),
    BZ: () => { testA(); s.jcc("e", L("bz_taken")); next(); s.label(L("bz_taken")); taken(); },
    BNZ: () => { testA(); s.jcc("ne", L("bnz_taken")); next(); s.label(L("bnz_taken")); taken(); },
    BRTABLE: () => {
      fA("eax"); s.i("mov", "eax", SLOT("eax")).i("mov", "edx", IMM).i("cmp", "eax", "edx").jcc("b", "brtable_in");
      s.i("mov", "eax", "edx"); s.label("brtable_in");
      // Compiled code jumps through the compiled addresses of the JMPs that follow.
      if (stencilMode) { s.i("jmp", mem({ index: "eax", scale: 4, disp: hole("BRT") })); return; }
      s.i("shl", "eax", 4).i("lea", "esi", mem({ base: "esi", index: "eax", scale: 1, disp: TI.size, size: 0 })); jmpPc();
    },
    CALL: () => {
      if (jit) {
        // X: the callee's frame bytes (low word) and its function index (high word).
        s.i("movzx", "ecx", m16({ base: "esi", disp: TI.X })).i("movzx", "ebx", m16({ base: "esi", disp: TI.X + 2 })); callEnter();
        s.label("call_irq").i("lea", "eax", mem({ index: "ebx", scale: 4, disp: ref("jit_code"), size: 0 })).jmp(VM_LABELS.irqEnter);
        return;
      }
      s.i("mov", "ebx", IMM).i("mov", "ecx", XTRA); callEnter();
      // A call is a safe point: the handler's frame goes above the callee's, and returns to its start.
      s.label("call_irq").i("mov", "eax", "esi").jmp(VM_LABELS.irqEnter);
    },
    CALLI: () => {
      loadB(); checkCallee();
      s.i("mov", "ecx", mem({ base: "ebx", disp: ref(VM_LABELS.ftab, 4) }));
      if (jit) s.i("shr", "ebx", 4); else s.i("mov", "ebx", mem({ base: "ebx", disp: ref(VM_LABELS.ftab) }));
      callEnter();
      s.label("call_overflow"); trapTo(TRAP_NUM("STACK"));
      s.label("calli_oob"); trapTo(TRAP_NUM("TABLE_OOB"));
      s.label("calli_bad"); trapTo(TRAP_NUM("BAD_CALL"));
    },
    // _d: R[A] is R[0] and holds the result already.
    RET: () => { loadA(); if (!jf.d) s.i("mov", mem({ base: "ebp" }), "eax"); retCommon(); },
    RET0: () => { s.label("ret_common"); retBody(); },
    TRAP: () => { s.i("mov", "eax", IMM).jmp(VM_LABELS.trap); },
    ABORT: () => { fA("eax"); s.i("lea", "eax", mem({ base: "ebp", index: "eax", scale: 4, size: 0 })).jmp(VM_LABELS.abort); },
    OUT8: () => out("al"), OUT16: () => out("ax"), OUT32: () => out("eax"),
    IN8: () => { fB("edx"); s.i("mov", "edx", SLOT("edx")).i("xor", "eax", "eax").i("in", "al", "dx"); storeA(); },
    IN16: () => { fB("edx"); s.i("mov", "edx", SLOT("edx")).i("xor", "eax", "eax").i("in", "ax", "dx"); storeA(); },
    IN32: () => { fB("edx"); s.i("mov", "edx", SLOT("edx")).i("in", "eax", "dx"); storeA(); },
    EXIT: () => { fA("eax"); s.i("mov", "eax", SLOT("eax")).jmp(VM_LABELS.exit); },
    RDCR0: () => { s.i("mov", "eax", "cr0"); storeA(); },
    RDCR2: () => { s.i("mov", "eax", "cr2"); storeA(); },
    RDCR3: () => { s.i("mov", "eax", "cr3"); storeA(); },
    WRCR0: () => {
      // Once paging is on the MMU guards memory (a page fault names the line), for good: loads
      // and stores then only check that address + offset does not wrap past 4 GiB (virtual
      // addresses may lie above the RAM size), and the bytes of an access are the MMU's: one
      // that runs past 0xFFFFFFFF wraps to page 0 as x86 does (kernel-ts leaves page 0 unmapped).
      // Compiled loads and stores then drop the limit compare (the `_p` variants).
      fA("eax"); s.i("mov", "eax", SLOT("eax")).i("mov", "cr0", "eax").i("test", "eax", 0x80000000 | 0).jcc("e", "wrcr0_done");
      for (let k = 0; k < 4; k++) s.i("mov", mem({ disp: ref(VM_LABELS.lim, 4 * k) }), -1);
      // Compiled code's bound too, but left at 0 while delivery is asked for: written, then
      // checked (an IRQ stub sets delivery after it or is seen here).
      s.i("mov", mem({ disp: ref(VM_LABELS.jitLimNorm) }), -1).i("mov", mem({ disp: ref(VM_LABELS.jitLim) }), -1);
      s.i("cmp", mem({ disp: ref(VM_LABELS.irqDeliver) }), 0).jcc("e", "wrcr0_lim").i("mov", mem({ disp: ref(VM_LABELS.jitLim) }), 0);
      s.label("wrcr0_lim");
      // The compiler now writes compiled code through its writable alias (boot/jit.ts).
      if (jit) s.i("mov", mem({ disp: ref("jit_wdelta") }), ref("jit_alias_delta"));
      s.label("wrcr0_done"); next();
    },
    // The double-fault task switches CR3 too: it must find the kernel's page tables.
    WRCR3: () => { fA("eax"); s.i("mov", "eax", SLOT("eax")).i("mov", "cr3", "eax").i("mov", mem({ disp: ref("df_tss", 0x1c) }), "eax"); next(); },
    INVLPG: () => { fA("eax"); s.i("mov", "eax", SLOT("eax")).i("invlpg", mem({ base: "eax", size: 0 })); next(); },
    CLI: () => { s.i("cli"); next(); },
    STI: () => { s.i("sti"); next(); },
    HLT: () => { s.i("hlt"); next(); },
    BOOTINFO: () => { s.i("mov", "eax", mem({ disp: ref("mb_info") })); storeA(); },
    IMGEND: () => { s.i("mov", "eax", ref("image_end_addr")); storeA(); },
    IMGLAYOUT: () => { s.i("mov", "eax", ref("image_layout")); storeA(); },
    FAULTSET: () => { setHandler(VM_LABELS.faultFn); next(); },
    IRQSET: () => {
      setHandler(VM_LABELS.irqFn);
      // Lines latched before there was a handler are delivered now.
      s.i("cmp", mem({ disp: ref(VM_LABELS.irqPending) }), 0).jcc("e", "irqset_done");
      s.i("cmp", mem({ disp: ref(VM_LABELS.irqBlocked) }), 0).jcc("ne", "irqset_done");
      setDelivery(s, true);
      s.label("irqset_done"); next();
    },
    IRQBLOCK: () => {
      loadB(); fA("edx"); s.i("mov", "ecx", mem({ disp: ref(VM_LABELS.irqBlocked) })).i("mov", SLOT("edx"), "ecx");
      s.i("test", "eax", "eax").i("setne", "al").i("movzx", "eax", "al").i("mov", mem({ disp: ref(VM_LABELS.irqBlocked) }), "eax");
      rearmDelivery("eax", "irqblock_done"); next();
    },
    CTXINIT: () => {
      // The callee checks of CALLI, then: its frame must fit the context's slot stack.
      loadB(); checkCallee();
      fA("edx"); s.i("mov", "edx", SLOT("edx"));
      s.i("mov", "eax", mem({ base: "ebx", disp: ref(VM_LABELS.ftab, 4) })).i("add", "eax", mem({ base: "edx", disp: CX.frame })).jcc("b", "call_overflow");
      s.i("cmp", "eax", mem({ base: "edx", disp: CX.stackEnd })).jcc("a", "call_overflow");
      // Its control stack starts with the floor's entry (see RET), which must fit.
      s.i("mov", "ecx", mem({ base: "edx", disp: CX.ctl })).i("lea", "eax", mem({ base: "ecx", disp: 8, size: 0 }));
      s.i("cmp", "eax", mem({ base: "edx", disp: CX.ctlEnd })).jcc("a", "call_overflow");
      s.i("mov", mem({ base: "ecx" }), ref(VM_LABELS.floorEntry)).i("mov", mem({ base: "ecx", disp: 4 }), 0);
      s.i("mov", mem({ base: "edx", disp: CX.ctl }), "eax").i("mov", mem({ base: "edx", disp: CX.ctlFloor }), "eax");
      // The thread starts at the function's entry: its jit_code cell, or its first threaded instruction.
      if (jit) s.i("shr", "ebx", 2).i("lea", "eax", mem({ base: "ebx", disp: ref("jit_code"), size: 0 }));
      else s.i("mov", "eax", mem({ base: "ebx", disp: ref(VM_LABELS.ftab) }));
      s.i("mov", mem({ base: "edx", disp: CX.pc }), "eax"); next();
    },
    SWITCH: () => {
      fA("eax"); s.i("mov", "eax", SLOT("eax")); fB("edx"); s.i("mov", "edx", SLOT("edx"));
      // The context to continue must resume on a threaded instruction.
      s.i("mov", "ebx", mem({ base: "edx", disp: CX.pc }));
      if (jit) {
        // Or on a compiled one (its jit_pcmap cell, set) or a function's entry (its jit_code cell).
        s.i("test", "ebx", 3).jcc("ne", "switch_bad");
        for (const [lo, hi] of [["jit_pcmap", "jit_fend"], ["jit_code", "jit_code_end"]]) {
          s.i("cmp", "ebx", ref(lo)).jcc("b", `switch_not_${lo}`).i("cmp", "ebx", ref(hi)).jcc("b", "switch_cell").label(`switch_not_${lo}`);
        }
      }
      s.i("cmp", "ebx", ref("kbc_code")).jcc("b", "switch_bad");
      s.i("cmp", "ebx", ref("kbc_code_end")).jcc("ae", "switch_bad").i("test", "ebx", 15).jcc("ne", "switch_bad");
      if (jit) s.jmp("switch_ok").label("switch_cell").i("cmp", mem({ base: "ebx" }), 0).jcc("e", "switch_bad").label("switch_ok");
      const words: [number, string][] = [[CX.stackEnd, VM_LABELS.stackEnd], [CX.ctlEnd, VM_LABELS.ctlEnd], [CX.ctlFloor, VM_LABELS.ctlFloor], [CX.blocked, VM_LABELS.irqBlocked]];
      s.i("lea", "ebx", mem({ base: "esi", disp: TI.size, size: 0 })).i("mov", mem({ base: "eax", disp: CX.pc }), "ebx");
      s.i("mov", mem({ base: "eax", disp: CX.frame }), "ebp").i("mov", mem({ base: "eax", disp: CX.ctl }), "edi");
      for (const [off, l] of words) s.i("mov", "ebx", mem({ disp: ref(l) })).i("mov", mem({ base: "eax", disp: off }), "ebx");
      s.i("mov", "esi", mem({ base: "edx", disp: CX.pc })).i("mov", "ebp", mem({ base: "edx", disp: CX.frame })).i("mov", "edi", mem({ base: "edx", disp: CX.ctl }));
      for (const [off, l] of words) s.i("mov", "ebx", mem({ base: "edx", disp: off })).i("mov", mem({ disp: ref(l) }), "ebx");
      rearmDelivery("ebx", "switch_go");
      jmpPc();
      s.label("switch_bad"); trapTo(TRAP_NUM("BAD_CONTEXT"));
    },
    IRQCOUNT: () => { loadB(); s.i("and", "eax", 15).i("mov", "eax", mem({ index: "eax", scale: 4, disp: ref(VM_LABELS.irqCounts) })); storeA(); },
    // A byte to port 0x80 first: v86 writes its instruction counter back only when code leaves its
    // compiled block, which an out does, so the count the marker reads is exact (not up to ~56 K
    // instructions behind, varying from run to run).
    MARK: () => { fA("eax"); s.i("mov", "eax", SLOT("eax")).i("out", 0x80, "al").i("mov", "dx", MARK_PORT).i("out", "dx", "eax"); next(); },
  };
  for (const [k, op] of Object.entries(ALU)) {
    emitters[k] = () => {
      // _m: R[A] op= R[C] in place (A is B; with _s, A is C and the operand is B).
      if (jf.m) { (jf.s ? fB : fC)("edx"); s.i("mov", "eax", SLOT("edx")); fA("edx"); s.i(op, SLOT("edx"), "eax"); next(); return; }
      if (jf.s) { loadC(); fB("edx"); } else { loadB(); fC("edx"); }
      s.i(op, "eax", SLOT("edx")); storeA();
    };
    if (k !== "SUB") emitters[k + "I"] = () => {
      if (jf.m) { fA("edx"); s.i(op, SLOT("edx"), IMM); next(); return; }
      loadB(); s.i(op, "eax", IMM); storeA();
    };
  }
  for (const [k, op] of Object.entries(SHIFT)) {
    emitters[k] = () => { fC("ecx"); s.i("mov", "ecx", SLOT("ecx")); loadB(); s.i(op, "eax", "cl"); storeA(); };
    if (OPCODES.some((o) => o.name === k + "I")) emitters[k + "I"] = () => {
      s.i("mov", "ecx", IMM);
      if (jf.m) { fA("edx"); s.i(op, SLOT("edx"), "cl"); next(); return; }
      loadB(); s.i(op, "eax", "cl"); storeA();
    };
  }
  for (const [k] of COMPARE) {
    const cc = CC[k];
    emitters[k] = () => { loadB(); fC("edx"); s.i("cmp", "eax", SLOT("edx")).i("set" + cc, "al").i("movzx", "eax", "al"); storeA(); };
    emitters[k + "I"] = () => { loadB(); s.i("cmp", "eax", IMM).i("set" + cc, "al").i("movzx", "eax", "al"); storeA(); };
    emitters["B" + k] = () => {
      // _s: R[B] (from eax with _e) compared with R[A], the condition mirrored.
      if (jf.s) { loadB(); fA("edx"); s.i("cmp", "eax", SLOT("edx")).jcc(CC[MIRROR[k]], L(`b${k}_taken`)); }
      else { loadA(); fB("edx"); s.i("cmp", "eax", SLOT("edx")).jcc(cc, L(`b${k}_taken`)); }
      next();
      s.label(L(`b${k}_taken`)); taken();
    };
    emitters["B" + k + "I"] = () => {
      loadA(); s.i("cmp", "eax", IMM).jcc(cc, L(`b${k}i_taken`)); next();
      s.label(L(`b${k}i_taken`)); taken(XTRA);
    };
  }

  // 64-bit integers: R64[x] is the slot pair R[x] (low word), R[x+1] (high word). Every handler
  // reads all its operands before it writes R64[A], so A may be one of them.
  /** lo, hi := R64[slot in the field], through the index register `r`. */
  const load64 = (field: (r: Reg32) => void, r: Reg32, lo: Reg32, hi: Reg32) => { field(r); s.i("mov", lo, SLOT(r)).i("mov", hi, SLOT_HI(r)); };
  /** R64[A] := edx:eax, then dispatch. */
  const store64A = () => { fA("ebx"); s.i("mov", SLOT("ebx"), "eax").i("mov", SLOT_HI("ebx"), "edx"); next(); };
  const neg64 = (lo: Reg32, hi: Reg32) => { s.i("neg", lo).i("adc", hi, 0).i("neg", hi); };
  emitters.MOV64 = () => { load64(fB, "ebx", "eax", "edx"); store64A(); };
  for (const [k, [lo, hi]] of Object.entries({ ADD: ["add", "adc"], SUB: ["sub", "sbb"], AND: ["and", "and"], OR: ["or", "or"], XOR: ["xor", "xor"] })) {
    emitters[k + "64"] = () => { load64(fB, "ebx", "eax", "edx"); fC("ecx"); s.i(lo, "eax", SLOT("ecx")).i(hi, "edx", SLOT_HI("ecx")); store64A(); };
  }
  emitters.MUL64 = () => {
    // (a_hi * b_lo + a_lo * b_hi) << 32 + a_lo * b_lo, mod 2^64.
    fB("ebx"); s.i("lea", "ebx", mem({ base: "ebp", index: "ebx", scale: 4, size: 0 }));
    fC("ecx"); s.i("lea", "ecx", mem({ base: "ebp", index: "ecx", scale: 4, size: 0 }));
    s.i("mov", "eax", mem({ base: "ebx", disp: 4 })).i("imul", "eax", mem({ base: "ecx" }));
    s.i("mov", "edx", mem({ base: "ebx" })).i("imul", "edx", mem({ base: "ecx", disp: 4 })).i("add", "edx", "eax");
    s.i("mov", "eax", mem({ base: "ebx" })).i("mov", "ebx", "edx").i("mul", mem({ base: "ecx" })).i("add", "edx", "ebx");
    store64A();
  };
  // Shifts and rotates: the count is R[C] & 63 (x86 masks cl to 5 bits: a count of 32.. moves a word first).
  const shift64 = (name: string, small: () => void, big: () => void) => {
    emitters[name] = () => {
      fC("ecx"); s.i("mov", "ecx", SLOT("ecx")); load64(fB, "ebx", "eax", "edx");
      s.i("test", "cl", 32).jcc("ne", `${name}_big`.toLowerCase());
      small(); store64A();
      s.label(`${name}_big`.toLowerCase()); big(); store64A();
    };
  };
  shift64("SHL64", () => s.i("shld", "edx", "eax", "cl").i("shl", "eax", "cl"), () => s.i("mov", "edx", "eax").i("xor", "eax", "eax").i("shl", "edx", "cl"));
  shift64("SHRU64", () => s.i("shrd", "eax", "edx", "cl").i("shr", "edx", "cl"), () => s.i("mov", "eax", "edx").i("xor", "edx", "edx").i("shr", "eax", "cl"));
  shift64("SHRS64", () => s.i("shrd", "eax", "edx", "cl").i("sar", "edx", "cl"), () => s.i("mov", "eax", "edx").i("sar", "edx", 31).i("sar", "eax", "cl"));
  for (const [name, dbl] of [["ROTL64", "shld"], ["ROTR64", "shrd"]] as const) {
    emitters[name] = () => {
      fC("ecx"); s.i("mov", "ecx", SLOT("ecx")); load64(fB, "ebx", "eax", "edx");
      s.i("test", "cl", 32).jcc("e", `${name.toLowerCase()}_go`).i("xchg", "eax", "edx");
      s.label(`${name.toLowerCase()}_go`).i("mov", "ebx", "edx").i(dbl, "edx", "eax", "cl").i(dbl, "eax", "ebx", "cl");
      store64A();
    };
  }
  // Compares: a < b is `cmp lo; sbb hi` (then l / b); a > b and a <= b swap the operands.
  for (const [k] of COMPARE) {
    emitters[k + "64"] = () => {
      fB("ebx"); fC("ecx");
      if (k === "EQ" || k === "NE") {
        s.i("mov", "eax", SLOT("ebx")).i("mov", "edx", SLOT_HI("ebx")).i("xor", "eax", SLOT("ecx")).i("xor", "edx", SLOT_HI("ecx")).i("or", "eax", "edx");
        s.i(k === "EQ" ? "sete" : "setne", "al");
      } else {
        const swap = k.startsWith("GT") || k.startsWith("LE");
        const [x, y]: Reg32[] = swap ? ["ecx", "ebx"] : ["ebx", "ecx"];
        const signed = k.endsWith("S");
        const cc = k.startsWith("LT") || k.startsWith("GT") ? (signed ? "l" : "b") : (signed ? "ge" : "ae");
        s.i("mov", "eax", SLOT(x)).i("cmp", "eax", SLOT(y)).i("mov", "eax", SLOT_HI(x)).i("sbb", "eax", SLOT_HI(y)).i("set" + cc, "al");
      }
      s.i("movzx", "eax", "al"); storeA();
    };
  }
  emitters.EQZ64 = () => { fB("ebx"); s.i("mov", "eax", SLOT("ebx")).i("or", "eax", SLOT_HI("ebx")).i("sete", "al").i("movzx", "eax", "al"); storeA(); };
  emitters.CLZ64 = () => {
    // hi != 0: clz(hi); else 32 + clz(lo) = 63 - bsr(lo); 64 for 0.
    load64(fB, "ebx", "ecx", "edx"); s.i("test", "edx", "edx").jcc("e", "clz64_lo");
    s.i("bsr", "eax", "edx").i("xor", "eax", 31).jmp("clz64_done");
    s.label("clz64_lo").i("mov", "eax", 64).i("test", "ecx", "ecx").jcc("e", "clz64_done").i("bsr", "eax", "ecx").i("xor", "eax", 63);
    s.label("clz64_done").i("xor", "edx", "edx"); store64A();
  };
  emitters.CTZ64 = () => {
    load64(fB, "ebx", "ecx", "edx"); s.i("test", "ecx", "ecx").jcc("e", "ctz64_hi");
    s.i("bsf", "eax", "ecx").jmp("ctz64_done");
    s.label("ctz64_hi").i("mov", "eax", 64).i("test", "edx", "edx").jcc("e", "ctz64_done").i("bsf", "eax", "edx").i("add", "eax", 32);
    s.label("ctz64_done").i("xor", "edx", "edx"); store64A();
  };
  emitters.POPCNT64 = () => {
    // Per word: bit pairs, then nibbles, then bytes (each byte counts 0..8); add the words, sum the bytes.
    load64(fB, "ebx", "eax", "edx");
    for (const r of ["eax", "edx"] as const) {
      s.i("mov", "ecx", r).i("shr", "ecx", 1).i("and", "ecx", 0x55555555).i("sub", r, "ecx");
      s.i("mov", "ecx", r).i("shr", "ecx", 2).i("and", r, 0x33333333).i("and", "ecx", 0x33333333).i("add", r, "ecx");
      s.i("mov", "ecx", r).i("shr", "ecx", 4).i("add", r, "ecx").i("and", r, 0x0f0f0f0f);
    }
    s.i("add", "eax", "edx").i("imul", "eax", "eax", 0x01010101).i("shr", "eax", 24).i("xor", "edx", "edx"); store64A();
  };
  emitters.SELECT64 = () => {
    s.i("mov", "edx", IMM).i("cmp", SLOT("edx"), 0).jcc("ne", "select64_b");
    load64(fC, "ebx", "eax", "edx"); store64A();
    s.label("select64_b"); load64(fB, "ebx", "eax", "edx"); store64A();
  };
  emitters.RET64 = () => {
    load64(fA, "eax", "ecx", "edx"); s.i("mov", mem({ base: "ebp" }), "ecx").i("mov", mem({ base: "ebp", disp: 4 }), "edx"); retCommon();
  };
  // Division: the divisor (ecx:ebx) is checked, the signed forms divide magnitudes (udivmod64).
  for (const [name, signed, rem] of [["DIVS64", true, false], ["DIVU64", false, false], ["REMS64", true, true], ["REMU64", false, true]] as const) {
    const tag = name.toLowerCase();
    emitters[name] = () => {
      load64(fC, "ecx", "ebx", "ecx"); s.i("mov", "eax", "ebx").i("or", "eax", "ecx").jcc("e", `${tag}_zero`);
      load64(fB, "edx", "eax", "edx");
      if (signed) {
        if (!rem) {
          // INT64_MIN / -1 overflows (INT64_MIN % -1 is 0, which the magnitudes give).
          s.i("cmp", "ebx", -1).jcc("ne", `${tag}_go`).i("cmp", "ecx", -1).jcc("ne", `${tag}_go`);
          s.i("test", "eax", "eax").jcc("ne", `${tag}_go`).i("cmp", "edx", 0x80000000 | 0).jcc("e", `${tag}_ovf`);
          s.label(`${tag}_go`);
        }
        // The result's sign: the dividend's for a remainder, the operands' differing for a quotient.
        s.i("push", "edx"); if (!rem) s.i("xor", mem({ base: "esp" }), "ecx");
        s.i("test", "edx", "edx").jcc("ns", `${tag}_npos`); neg64("eax", "edx"); s.label(`${tag}_npos`);
        s.i("test", "ecx", "ecx").jcc("ns", `${tag}_dpos`); neg64("ebx", "ecx"); s.label(`${tag}_dpos`);
      }
      s.call("udivmod64");
      if (rem) s.i("mov", "eax", "ebx").i("mov", "edx", "ecx");
      if (signed) { s.i("pop", "ecx").i("test", "ecx", "ecx").jcc("ns", `${tag}_done`); neg64("eax", "edx"); s.label(`${tag}_done`); }
      store64A();
      s.label(`${tag}_zero`); trapTo(TRAP_NUM("DIV_ZERO"));
      if (signed && !rem) { s.label(`${tag}_ovf`); trapTo(TRAP_NUM("DIV_OVERFLOW")); }
    };
  }

  /**
   * MCOPY and MFILL lend esi/edi to rep movsb/stosb; a page fault in the middle must still find
   * the VM's pc and control stack (the fault handler runs kernel-ts code), so they are kept here.
   */
  function stringOpBegin(): void {
    s.i("mov", mem({ disp: ref(VM_LABELS.stringRegs) }), "esi").i("mov", mem({ disp: ref(VM_LABELS.stringRegs, 4) }), "edi");
    s.i("mov", mem({ disp: ref(VM_LABELS.stringRegs, 8) }), 1);
  }
  function stringOpEnd(): void { s.i("mov", mem({ disp: ref(VM_LABELS.stringRegs, 8) }), 0); }

  /** Flags from R[A] == 0 (from eax in an `_e` variant). */
  function testA(): void {
    if (eIn) s.i("test", "eax", "eax");
    else { fA("eax"); s.i("cmp", SLOT("eax"), 0); }
  }

  /** irq_deliver := (not blocked, given in `blocked`) and lines are latched. Ends at `done`. */
  function rearmDelivery(blocked: Reg32, done: string): void {
    setDelivery(s, false, "ecx"); s.i("test", blocked, blocked).jcc("ne", done);
    // Checked after the limit is set: a line latched meanwhile is seen here.
    s.i("cmp", mem({ disp: ref(VM_LABELS.irqPending) }), 0).jcc("e", done); setDelivery(s, true);
    s.label(done);
  }

  /**
   * The callee checks of call_indirect, for eax = a table index: in the table, not null, signature
   * I (else TABLE_OOB / BAD_CALL); leaves ebx = the callee's offset in the function table.
   */
  function checkCallee(): void {
    s.i("cmp", "eax", mem({ disp: ref(VM_LABELS.itabLen) })).jcc("ae", "calli_oob");
    s.i("mov", "ebx", mem({ index: "eax", scale: 4, disp: ref(VM_LABELS.itab) })).i("cmp", "ebx", -1).jcc("e", "calli_bad");
    s.i("shl", "ebx", 4).i("mov", "eax", mem({ base: "ebx", disp: ref(VM_LABELS.ftab, 8) })).i("cmp", "eax", IMM).jcc("ne", "calli_bad");
  }

  /** Checks table[R[A]] as CALLI checks its callee, then stores its code address and frame bytes at `where`. */
  function setHandler(where: string): void {
    fA("eax"); s.i("mov", "eax", SLOT("eax")); checkCallee();
    s.i("mov", "eax", mem({ base: "ebx", disp: ref(VM_LABELS.ftab, 4) })).i("mov", mem({ disp: ref(where, 4) }), "eax");
    // With the compiling tier the "code address" is that of the function's jit_code entry, which
    // `mov esi, it; jmp [esi]` enters as it enters a threaded instruction.
    if (jit) s.i("shr", "ebx", 2).i("lea", "eax", mem({ base: "ebx", disp: ref("jit_code"), size: 0 }));
    else s.i("mov", "eax", mem({ base: "ebx", disp: ref(VM_LABELS.ftab) }));
    s.i("mov", mem({ disp: ref(where) }), "eax");
  }

  /**
   * Enters a call: ebx = callee's code address (with the compiling tier: its function index),
   * ecx = its frame bytes; the window is A. The return address is the next instruction: threaded,
   * or in compiled code (its stencil) the next instruction's jit_pcmap cell (a continuation).
   */
  function callEnter(): void {
    const slow = `call_slow${callCount++}`;
    fA("eax"); s.i("lea", "edx", mem({ base: "ebp", index: "eax", scale: 4, size: 0 })).i("add", "ecx", "edx");
    // The frame's end against vm_call_limit, which is 0 while an interrupt waits for delivery:
    // then the call takes the slow path, so the fast one needs no safe-point check of its own.
    s.i("cmp", "ecx", mem({ disp: ref(VM_LABELS.callLimit) })).jcc("a", slow);
    s.i("cmp", "edi", mem({ disp: ref(VM_LABELS.ctlEnd) })).jcc("ae", "call_overflow");
    pushEntry();
    if (jit) s.i("jmp", JIT_ENTRY("ebx")); else jmpPc();
    s.label(slow).i("cmp", "ecx", mem({ disp: ref(VM_LABELS.stackEnd) })).jcc("a", "call_overflow");
    s.i("cmp", "edi", mem({ disp: ref(VM_LABELS.ctlEnd) })).jcc("ae", "call_overflow");
    pushEntry();
    s.i("cmp", mem({ disp: ref(VM_LABELS.irqDeliver) }), 0).jcc("ne", "call_irq");
    if (jit) s.i("jmp", JIT_ENTRY("ebx")); else jmpPc();
  }
  /** The call's control entry (where to return, the caller's frame), then the callee's frame (edx). */
  function pushEntry(): void {
    s.i("lea", "eax", mem({ base: "esi", disp: TI.size, size: 0 })).i("mov", mem({ base: "edi" }), "eax").i("mov", mem({ base: "edi", disp: 4 }), "ebp").i("add", "edi", 8);
    s.i("mov", "ebp", "edx");
    if (!jit) s.i("mov", "esi", "ebx");
  }

  /** Returns from the frame: to ret_common, or in a stencil with its code in line (no jump). */
  function retCommon(): void { if (stencilMode) retBody(); else s.jmp("ret_common"); }
  // The outermost frame returns like any other: vm_call, vm_reenter and CTXINIT put an entry below
  // the floor whose continuation is vm_return.
  function retBody(): void {
    s.i("sub", "edi", 8).i("mov", "esi", mem({ base: "edi" })).i("mov", "ebp", mem({ base: "edi", disp: 4 }));
    jmpPc();
  }

  function divide(signed: boolean, rem: boolean, imm: boolean): void {
    const tag = L(`${signed ? "s" : "u"}${rem ? "rem" : "div"}${imm ? "i" : ""}`);
    if (imm) s.i("mov", "ecx", IMM); else { fC("ecx"); s.i("mov", "ecx", SLOT("ecx")); }
    loadB();
    if (!imm) {
      s.i("test", "ecx", "ecx").jcc("e", `${tag}_zero`);
      if (signed) {
        // x86 idiv faults on INT_MIN / -1; wasm traps for div and gives 0 for rem.
        s.i("cmp", "ecx", -1).jcc("ne", `${tag}_go`);
        if (rem) { s.i("xor", "eax", "eax"); storeA(); }
        else { s.i("cmp", "eax", 0x80000000 | 0).jcc("e", `${tag}_ovf`).i("neg", "eax"); storeA(); }
        s.label(`${tag}_go`);
      }
    }
    if (signed) s.i("cdq").i("idiv", "ecx"); else s.i("xor", "edx", "edx").i("div", "ecx");
    if (rem) s.i("mov", "eax", "edx");
    storeA();
    if (!imm) {
      s.label(`${tag}_zero`); trapTo(TRAP_NUM("DIV_ZERO"));
      if (signed && !rem) { s.label(`${tag}_ovf`); trapTo(TRAP_NUM("DIV_OVERFLOW")); }
    }
  }

  /**
   * eax := effective address R[B] (or R[A]) + I for a `size`-byte access, trapping when out of
   * memory. Compiled (but `_p`), the limit compare is also a safe point: see JitFlags; the
   * access follows the label `<tag>_access` (REENTRY), and safePointStub emits the slow path.
   */
  function address(slotField: (r: Reg32) => void, size: 1 | 2 | 4, tag: string): void {
    if (slotField === fB) loadB(); else loadA();
    // _z: the offset I is 0, so adding it cannot wrap.
    if (!jf.z) s.i("add", "eax", IMM).jcc("b", `${tag}_oob`);
    // _p: compiled once paging is on, when every limit is all ones.
    if (jf.p) return;
    if (!stencilMode) { s.i("cmp", "eax", mem({ disp: ref(VM_LABELS.lim, limitWord(size)) })).jcc("a", `${tag}_oob`); return; }
    s.i("cmp", "eax", mem({ disp: ref(VM_LABELS.jitLim) })).jcc("ae", `${tag}_slow`);
    s.label(`${tag}${REENTRY}`);
  }
  const limitWord = (size: 1 | 2 | 4) => (size === 1 ? 0 : size === 2 ? 4 : 8);
  /**
   * A compiled load or store's slow path (eax = the address): deliver a waiting interrupt, or
   * check mem_limit: in memory after all (the access), or the trap at <tag>_oob. jit_irq_mem keeps
   * eax at the frame's end and returns to <tag>_resume (RESUME_LABEL), which takes it back and
   * checks mem_limit (RECHECK) — not jit_mem_limit again: an interrupt that came in while the
   * handler ran waits for the next safe point, so each delivery lets one access through (as a
   * back edge lets one pass of its loop through), and a handler slower than its interrupts cannot
   * stop the code it interrupts. A loop's registers are written back on the way out and loaded
   * at the resume (boot/stencil.ts).
   */
  function safePointStub(size: 1 | 2 | 4, tag: string): void {
    if (!stencilMode || jf.p) return;
    s.label(`${tag}_slow`).i("cmp", mem({ disp: ref(VM_LABELS.irqDeliver) }), 0).jcc("ne", `${tag}_irq`);
    s.label(`${tag}${RECHECK}`).i("cmp", "eax", mem({ disp: ref(VM_LABELS.lim, limitWord(size)) })).jcc("be", `${tag}${REENTRY}`).jmp(`${tag}_oob`);
    s.label(`${tag}_irq`).i("movzx", "ecx", m16({ base: "esi", disp: TI_FRAME })).i("lea", "ecx", mem({ base: "ebp", index: "ecx", scale: 4, size: 0 }));
    s.i("mov", "edx", hole("RESUME")).jmp("jit_irq_mem");
    s.label(`${tag}${RESUME_LABEL}`).i("movzx", "ecx", m16({ base: "esi", disp: TI_FRAME })).i("lea", "ecx", mem({ base: "ebp", index: "ecx", scale: 4, size: 0 }));
    s.i("mov", "eax", mem({ base: "ecx", disp: 4 })).jmp(`${tag}${RECHECK}`);
  }
  function load(size: 1 | 2 | 4, read: (a: Reg32) => void): void {
    const tag = `ld${size}_${loadCount++}`;
    address(fB, size, tag); read("eax"); storeA();
    safePointStub(size, tag);
    s.label(`${tag}_oob`); trapTo(TRAP_NUM("OOB"));
  }
  function store(size: 1 | 2 | 4, write: () => void): void {
    const tag = `st${size}`;
    address(fA, size, tag);
    // _c: the value is the I of the CONST before (the threaded instruction 16 bytes back).
    if (jf.c) s.i("mov", "edx", mem({ base: "esi", disp: TI.I - TI.size })); else { fB("edx"); s.i("mov", "edx", SLOT("edx")); }
    write(); next();
    safePointStub(size, tag);
    s.label(`${tag}_oob`); trapTo(TRAP_NUM("OOB"));
  }
  function out(reg: "al" | "ax" | "eax"): void {
    fA("eax"); s.i("mov", "edx", SLOT("eax")); fB("eax"); s.i("mov", "eax", SLOT("eax")).i("out", "dx", reg); next();
  }
  let loadCount = 0, callCount = 0;

  if (inject) {
    if (!emitters[inject.op]) throw new Error(`fault injection: no opcode ${inject.op}`);
    emitters[inject.op] = inject.fault === "ud" ? () => { s.i("ud2"); next(); }
      : inject.fault === "df" ? () => { s.i("xor", "esp", "esp").i("ud2"); next(); } // #UD on an unmapped stack: #PF, then #DF
      : inject.fault === "int8" ? () => { s.i("int", 8); next(); } // the double-fault gate, where v86 never raises #DF
      : () => { s.i("xor", "ecx", "ecx").i("xor", "edx", "edx").i("div", "ecx"); next(); };
  }
  for (const n of EAX_CONSUMERS.keys()) if (!emitters[n]) throw new Error(`internal: EAX_CONSUMERS names no opcode ${n}`);
  const producers = new Set<string>();
  for (const o of OPCODES) {
    const emit = emitters[o.name];
    if (!emit) throw new Error(`internal: no x86 handler for kbc opcode ${o.name}`);
    s0.align(4, 0x90).label(h(o.name));
    viaStoreA = otherExit = false;
    emit();
    if (viaStoreA && !otherExit && !o.terminator) producers.add(o.name);
  }
  for (const [suffix, safePoint, forwarded] of [["_sp", true, false], ["_e", false, true], ["_sp_e", true, true]] as const) {
    sp = safePoint ? "_sp" : "";
    eIn = forwarded;
    for (const o of OPCODES) {
      if ((safePoint && !isBranch(o.name)) || (forwarded && !EAX_CONSUMERS.has(o.name))) continue;
      s0.align(4, 0x90).label(h(o.name) + suffix);
      emitters[o.name]();
    }
  }
  sp = "";
  eIn = false;
  /**
   * The stencils of the named variants (`op_<NAME>` with the suffixes of parseVariant), each its
   * handler's emitter run again, recorded and rewritten (see boot/stencil.ts).
   */
  const stencils = (names: readonly string[]): { name: string; ops: StencilOps }[] => {
    const saved = s;
    try {
      stencilMode = true;
      return names.map((name) => {
        const v = parseVariant(name);
        const o = OPCODES.find((x) => x.name === v.op);
        if (!o) throw new Error(`internal: stencil ${name}: no opcode ${v.op}`);
        sp = v.sp ? "_sp" : "";
        eIn = v.e;
        jf = v.jit;
        const rec = new Recorder();
        s = rec;
        loadCount = 0; branchIrqCount = 0; callCount = 0;
        emitters[o.name]();
        return { name, ops: rewrite(rec.recs, o as OpInfo, name) };
      });
    } finally { s = saved; stencilMode = false; sp = ""; eIn = false; jf = NO_JIT_FLAGS; }
  };
  // IRQRET: where the interrupt handler returns (irq_enter pushed this instruction as its return
  // address): handlers may run again, lines latched meanwhile are delivered at the next safe point,
  // and control goes back to where it was interrupted.
  s0.align(4, 0x90).label("op_IRQRET").i("mov", mem({ disp: ref(VM_LABELS.irqBlocked) }), 0);
  s.i("cmp", mem({ disp: ref(VM_LABELS.irqPending) }), 0).jcc("e", "ret_common");
  setDelivery(s, true); s.jmp("ret_common");
  emitUdivmod64(s0);
  return { producers, stencils: jit ? stencils : () => [] };
}

/**
 * Sets irq_deliver, vm_call_limit and jit_mem_limit together (the limits are 0 while delivery is
 * asked for, else vm_stack_end and jit_mem_norm, read through `scratch`). Code that sets delivery
 * on must also run with interrupts off or after irq_pending was read (see rearmDelivery), so that
 * a line latched in between is not lost.
 */
export function setDelivery(s: { i(m: string, ...ops: Operand[]): unknown }, on: boolean, scratch: Reg32 = "edx"): void {
  const w = (l: string) => mem({ disp: ref(l) });
  if (on) { s.i("mov", w(VM_LABELS.irqDeliver), 1); s.i("mov", w(VM_LABELS.callLimit), 0); s.i("mov", w(VM_LABELS.jitLim), 0); return; }
  s.i("mov", w(VM_LABELS.irqDeliver), 0);
  s.i("mov", scratch, w(VM_LABELS.stackEnd)); s.i("mov", w(VM_LABELS.callLimit), scratch);
  s.i("mov", scratch, w(VM_LABELS.jitLimNorm)); s.i("mov", w(VM_LABELS.jitLim), scratch);
}

/**
 * udivmod64: unsigned 64-bit division for the DIV/REM handlers. In: edx:eax = dividend n,
 * ecx:ebx = divisor d (not 0). Out: edx:eax = n / d, ecx:ebx = n % d. Uses the native stack.
 * A divisor below 2^32 takes two 64/32 divides (high word, then remainder:low word). A larger one
 * gives a quotient below 2^32, estimated from the divisor's top 32 bits after normalising (one
 * divide of n / 2, so it cannot overflow) and corrected by one (Hacker's Delight, divlu).
 */
function emitUdivmod64(s: Section): void {
  const sp = (disp: number) => mem({ base: "esp", disp });
  s.align(4, 0x90).label("udivmod64").i("test", "ecx", "ecx").jcc("ne", "udiv64_big");
  s.i("push", "eax").i("mov", "eax", "edx").i("xor", "edx", "edx").i("div", "ebx").i("mov", "ecx", "eax");
  s.i("pop", "eax").i("div", "ebx").i("mov", "ebx", "edx").i("mov", "edx", "ecx").i("xor", "ecx", "ecx").i("retnd");
  // [esp] = d_lo, [esp+4] = d_hi, [esp+8] = n_lo, [esp+12] = n_hi.
  s.label("udiv64_big").i("push", "edx").i("push", "eax").i("push", "ecx").i("push", "ebx");
  s.i("bsr", "ecx", "ecx").i("xor", "ecx", 31);                                            // cl = leading zeros of d_hi
  s.i("mov", "edx", sp(4)).i("mov", "eax", sp(0)).i("shld", "edx", "eax", "cl").i("mov", "ebx", "edx"); // ebx = top 32 bits of d << cl
  s.i("mov", "eax", sp(8)).i("mov", "edx", sp(12)).i("shrd", "eax", "edx", 1).i("shr", "edx", 1).i("div", "ebx"); // eax = (n >> 1) / ebx
  s.i("xor", "edx", "edx").i("shld", "edx", "eax", "cl").i("shl", "eax", "cl").i("shrd", "eax", "edx", 31);          // eax = q: exact or one too big
  s.i("test", "eax", "eax").jcc("e", "udiv64_q").i("dec", "eax");                            // now exact or one too small
  s.label("udiv64_q").i("mov", "ebx", "eax");
  s.i("mov", "ecx", sp(4)).i("imul", "ecx", "ebx").i("mov", "eax", sp(0)).i("mul", "ebx").i("add", "edx", "ecx"); // edx:eax = q * d
  s.i("mov", "ecx", sp(8)).i("sub", "ecx", "eax").i("mov", "eax", sp(12)).i("sbb", "eax", "edx");                 // eax:ecx = n - q * d
  s.i("cmp", "ecx", sp(0)).i("mov", "edx", "eax").i("sbb", "edx", sp(4)).jcc("b", "udiv64_done");              // remainder < d: done
  s.i("inc", "ebx").i("sub", "ecx", sp(0)).i("sbb", "eax", sp(4));
  s.label("udiv64_done").i("xchg", "eax", "ebx").i("xchg", "ebx", "ecx").i("xor", "edx", "edx").i("add", "esp", 16).i("retnd");
}

/** What the image builder needs to pick handler variants. */
export interface InterpreterInfo {
  /** Opcodes whose handlers always end with R[A] in eax. */
  producers: Set<string>;
  /** With the compiling tier: the stencils of the named handler variants (else none). */
  stencils(names: readonly string[]): { name: string; ops: StencilOps }[];
}

