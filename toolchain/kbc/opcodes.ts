// THE kbc opcode table: the single source of truth for the kernel bytecode. The translator emits
// from it, the verifier and disassembler are driven by its formats, docs/kbc.md's opcode list is
// generated from it (`npm run gen:docs`), and tests check the host interpreter (and, from issue B,
// the x86 handlers) against it.
//
// Instruction word: 8 bytes, little-endian, every instruction the same size.
//
//    byte 0    byte 1    byte 2    byte 3    bytes 4..7
//   ┌────────┬─────────┬─────────┬─────────┬──────────────────────┐
//   │   op   │    A    │    B    │    C    │        I (i32)       │
//   └────────┴─────────┴─────────┴─────────┴──────────────────────┘
//
// A frame is an array of 32-bit slots R[0..frameSize-1]: parameters first, then wasm locals, then
// the translator's temporaries (one per wasm operand-stack depth). Slot fields are bytes, so a
// frame has at most 256 slots. A 64-bit value (i64) lives in two consecutive slots, low word
// first: R64[x] is R[x] | R[x+1] << 32, and a field of kind `p` names such a pair by its first slot.
//
// A format is four characters, one per field A, B, C, I:
//   r  slot index (u8)                         s  short branch target: signed 16 bits in B..C,
//   p  slot pair (u8): R64[x] = R[x], R[x+1]
//                                                 pc + 1 + S (both B and C are marked s)
//   n  unsigned 8-bit count                    -  unused (must be 0)
//   i  32-bit immediate                        R  slot index held in I
//   t  branch target in I: pc + 1 + I (instructions, relative to the next instruction)
//   f  function index in I                     g  global index in I
//   y  signature index in I                    c  trap code in I (see TRAP_CODES)
//
// Calls use register windows: `CALL A f` gives the callee a frame starting at the caller's slot A,
// so the caller's A.. are the callee's parameters, and the result comes back in the caller's R[A].

export const FIELD_KINDS = ["r", "p", "s", "n", "i", "R", "t", "f", "g", "y", "c", "-"] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export interface OpInfo {
  name: string;
  format: string;      // 4 field kinds: A B C I
  doc: string;         // one-line semantics
  intrinsic?: string;  // the import ("module.name") it implements, if any
  params?: number;     // the intrinsic's wasm parameters: in A, B (or A.. for ABORT); a result goes in A
  results?: number;
  /** For an intrinsic taking a function (format y in I): the (params, results) that function must have. */
  takes?: [number, number];
  terminator?: true;   // control never falls through to the next instruction
}

const row = (name: string, format: string, doc: string, extra: Partial<OpInfo> = {}): OpInfo =>
  ({ name, format, doc, ...extra });

/** Binary i32 operators: [suffix, wasm name, C-like expression of R[B] (x) and y]. */
const BINARY: [string, string, string][] = [
  ["ADD", "add", "x + y"], ["SUB", "sub", "x - y"], ["MUL", "mul", "x * y"],
  ["DIVS", "div_s", "x / y (signed; traps on y = 0 and INT_MIN / -1)"],
  ["DIVU", "div_u", "x / y (unsigned; traps on y = 0)"],
  ["REMS", "rem_s", "x % y (signed; traps on y = 0)"], ["REMU", "rem_u", "x % y (unsigned; traps on y = 0)"],
  ["AND", "and", "x & y"], ["OR", "or", "x | y"], ["XOR", "xor", "x ^ y"],
  ["SHL", "shl", "x << (y & 31)"], ["SHRS", "shr_s", "x >> (y & 31) (arithmetic)"],
  ["SHRU", "shr_u", "x >>> (y & 31)"], ["ROTL", "rotl", "rotate x left by y & 31"],
  ["ROTR", "rotr", "rotate x right by y & 31"],
];

/** Comparisons: [suffix, wasm name, relation]. */
export const COMPARE: [string, string, string][] = [
  ["EQ", "eq", "=="], ["NE", "ne", "!="], ["LTS", "lt_s", "< (signed)"], ["LTU", "lt_u", "< (unsigned)"],
  ["GTS", "gt_s", "> (signed)"], ["GTU", "gt_u", "> (unsigned)"], ["LES", "le_s", "<= (signed)"],
  ["LEU", "le_u", "<= (unsigned)"], ["GES", "ge_s", ">= (signed)"], ["GEU", "ge_u", ">= (unsigned)"],
];

/** Binary operators that have an immediate form `R[A] := R[B] op I`. */
const WITH_IMM = ["ADD", "MUL", "DIVS", "DIVU", "REMS", "REMU", "AND", "OR", "XOR", "SHL", "SHRS", "SHRU"];

/** Binary operators that have a 64-bit form `R64[A] := R64[B] op R64[C]` (suffix 64; shift counts mod 64). */
export const BINARY64 = BINARY.map(([s]) => s);

export const OPCODES: readonly OpInfo[] = [
  row("NOP", "----", "no operation"),
  row("MOV", "rr--", "R[A] := R[B]"),
  row("CONST", "r--i", "R[A] := I"),
  row("ZERO", "rn--", "R[A .. A+B-1] := 0 (clears wasm locals on function entry)"),
  row("GGET", "r--g", "R[A] := G[I]"),
  row("GSET", "r--g", "G[I] := R[A]"),
  ...BINARY.map(([s, w, e]) => row(s, "rrr-", `R[A] := ${e.replace(/\by\b/g, "R[C]").replace(/\bx\b/g, "R[B]")}   (i32.${w})`)),
  ...BINARY.filter(([s]) => WITH_IMM.includes(s)).map(([s, w, e]) =>
    row(s + "I", "rr-i", `R[A] := ${e.replace(/\by\b/g, "I").replace(/\bx\b/g, "R[B]")}   (i32.${w}; I never traps)`)),
  row("RSUBI", "rr-i", "R[A] := I - R[B]"),
  ...COMPARE.map(([s, w, rel]) => row(s, "rrr-", `R[A] := R[B] ${rel} R[C] ? 1 : 0   (i32.${w})`)),
  ...COMPARE.map(([s, w, rel]) => row(s + "I", "rr-i", `R[A] := R[B] ${rel} I ? 1 : 0   (i32.${w})`)),
  row("EQZ", "rr--", "R[A] := R[B] == 0 ? 1 : 0"),
  row("CLZ", "rr--", "R[A] := count of leading zero bits of R[B] (32 for 0)"),
  row("CTZ", "rr--", "R[A] := count of trailing zero bits of R[B] (32 for 0)"),
  row("POPCNT", "rr--", "R[A] := number of one bits in R[B]"),
  row("EXT8S", "rr--", "R[A] := R[B] sign-extended from 8 bits"),
  row("EXT16S", "rr--", "R[A] := R[B] sign-extended from 16 bits"),
  row("SELECT", "rrrR", "R[A] := R[I] != 0 ? R[B] : R[C]"),
  row("LD32", "rr-i", "R[A] := mem32[R[B] + I]"),
  row("LD8S", "rr-i", "R[A] := mem8[R[B] + I] sign-extended"),
  row("LD8U", "rr-i", "R[A] := mem8[R[B] + I] zero-extended"),
  row("LD16S", "rr-i", "R[A] := mem16[R[B] + I] sign-extended"),
  row("LD16U", "rr-i", "R[A] := mem16[R[B] + I] zero-extended"),
  row("ST32", "rr-i", "mem32[R[A] + I] := R[B]"),
  row("ST8", "rr-i", "mem8[R[A] + I] := R[B] & 0xFF"),
  row("ST16", "rr-i", "mem16[R[A] + I] := R[B] & 0xFFFF"),
  row("MCOPY", "rrr-", "copy R[C] bytes from R[B] to R[A] (regions may overlap)"),
  row("MFILL", "rrr-", "fill R[C] bytes at R[A] with R[B] & 0xFF"),
  row("JMP", "---t", "pc := target", { terminator: true }),
  row("BZ", "r--t", "if R[A] == 0 then pc := target"),
  row("BNZ", "r--t", "if R[A] != 0 then pc := target"),
  ...COMPARE.map(([s, , rel]) => row("B" + s, "rr-t", `if R[A] ${rel} R[B] then pc := target`)),
  ...COMPARE.map(([s, , rel]) => row("B" + s + "I", "rssi", `if R[A] ${rel} I then pc := pc + 1 + S (S: the i16 in B..C)`)),
  row("BRTABLE", "r--i", "pc := pc + 1 + min(R[A] unsigned, I); the next I+1 instructions are JMPs", { terminator: true }),
  row("CALL", "r--f", "call function I with its frame at R[A]; its result (if any) lands in R[A]"),
  row("CALLI", "rr-y", "call table[R[B]] with its frame at R[A]; traps unless its signature is I"),
  row("RET", "r---", "return R[A] (to the caller's window slot)", { terminator: true }),
  row("RET0", "----", "return (no result)", { terminator: true }),
  row("TRAP", "---c", "panic with trap code I", { terminator: true }),
  row("ABORT", "r---", "panic: AssemblyScript abort(msg R[A], file R[A+1], line R[A+2], col R[A+3])", { terminator: true, intrinsic: "env.abort", params: 4, results: 0 }),
  row("OUT8", "rr--", "port R[A] := R[B] & 0xFF (outb)", { intrinsic: "kernel.outb", params: 2, results: 0 }),
  row("OUT16", "rr--", "port R[A] := R[B] & 0xFFFF (outw)", { intrinsic: "kernel.outw", params: 2, results: 0 }),
  row("OUT32", "rr--", "port R[A] := R[B] (outl)", { intrinsic: "kernel.outl", params: 2, results: 0 }),
  row("IN8", "rr--", "R[A] := byte from port R[B] (inb)", { intrinsic: "kernel.inb", params: 1, results: 1 }),
  row("IN16", "rr--", "R[A] := word from port R[B] (inw)", { intrinsic: "kernel.inw", params: 1, results: 1 }),
  row("IN32", "rr--", "R[A] := dword from port R[B] (inl)", { intrinsic: "kernel.inl", params: 1, results: 1 }),
  row("EXIT", "r---", "stop the machine with exit code R[A] (port 0xF4 in the guest)", { terminator: true, intrinsic: "kernel.exit", params: 1, results: 0 }),
  row("RDCR0", "r---", "R[A] := CR0", { intrinsic: "kernel.read_cr0", params: 0, results: 1 }),
  row("WRCR0", "r---", "CR0 := R[A]", { intrinsic: "kernel.write_cr0", params: 1, results: 0 }),
  row("RDCR2", "r---", "R[A] := CR2", { intrinsic: "kernel.read_cr2", params: 0, results: 1 }),
  row("RDCR3", "r---", "R[A] := CR3", { intrinsic: "kernel.read_cr3", params: 0, results: 1 }),
  row("WRCR3", "r---", "CR3 := R[A]", { intrinsic: "kernel.write_cr3", params: 1, results: 0 }),
  row("INVLPG", "r---", "invalidate the TLB entry of address R[A]", { intrinsic: "kernel.invlpg", params: 1, results: 0 }),
  row("CLI", "----", "disable interrupts", { intrinsic: "kernel.cli", params: 0, results: 0 }),
  row("STI", "----", "enable interrupts", { intrinsic: "kernel.sti", params: 0, results: 0 }),
  row("HLT", "----", "wait for an interrupt (returns at once on the host)", { intrinsic: "kernel.hlt", params: 0, results: 0 }),
  row("BOOTINFO", "r---", "R[A] := address of the Multiboot v1 information block (the host runners fabricate one)", { intrinsic: "kernel.boot_info", params: 0, results: 1 }),
  row("IMGEND", "r---", "R[A] := first byte after the image, its data and the VM's stacks (page-aligned): free memory starts here", { intrinsic: "kernel.image_end", params: 0, results: 1 }),
  row("IMGLAYOUT", "r---", "R[A] := address of the image layout: 8 words ro_start, ro_end, rw_start, image_end (page-aligned), jit_base, jit_end, jit_alias, jit_area (0 without the compiling tier)", { intrinsic: "kernel.image_layout", params: 0, results: 1 }),
  row("IRQSET", "r--y", "make table[R[A]] (signature I: (irqs: u32) => void) the interrupt handler: the VM calls it at a safe point (a backward branch or a call) with the mask of IRQ lines latched since; traps like CALLI", { intrinsic: "kernel.irq_handler", params: 1, results: 0, takes: [1, 0] }),
  row("FAULTSET", "r--y", "make table[R[A]] (signature I: (cr2: u32, err: u32) => bool) the page-fault handler: called on a page fault in VM code, true retries the faulting access, false panics; traps like CALLI", { intrinsic: "kernel.fault_handler", params: 1, results: 0, takes: [2, 1] }),
  row("IRQBLOCK", "rr--", "R[A] := whether interrupt delivery is blocked (0/1); block it if R[B] != 0, else unblock (latched lines are then delivered at the next safe point)", { intrinsic: "kernel.irq_block", params: 1, results: 1 }),
  row("CTXINIT", "rr-y", "point the thread context at R[A] (frame and stack words set) at the start of table[R[B]] (signature I: () => void); traps like CALLI, or on stack overflow; guest only", { intrinsic: "kernel.vm_context_init", params: 2, results: 0, takes: [0, 0] }),
  row("SWITCH", "rr--", "save the running thread's VM context at R[A] (resuming after this instruction) and continue the one at R[B]; traps if its pc is not an instruction; guest only", { intrinsic: "kernel.vm_switch", params: 2, results: 0 }),
  row("IRQCOUNT", "rr--", "R[A] := how many times IRQ line R[B] & 15 has fired since boot (0 on the host)", { intrinsic: "kernel.irq_count", params: 1, results: 1 }),
  row("MARK", "r---", "benchmark marker R[A]: the host notes the instruction count (port 0x520 in the guest)", { intrinsic: "kernel.mark", params: 1, results: 0 }),
  // 64-bit integers: R64[x] is the pair R[x] (low word), R[x+1] (high word). Narrow loads and
  // stores, extensions and wrapping are composed from the 32-bit opcodes by the translator.
  row("MOV64", "pp--", "R64[A] := R64[B]"),
  ...BINARY.map(([s, w, e]) => row(s + "64", "ppp-",
    `R64[A] := ${e.replace(/31/g, "63").replace("INT_MIN", "INT64_MIN").replace(/\by\b/g, "R64[C]").replace(/\bx\b/g, "R64[B]")}   (i64.${w})`)),
  ...COMPARE.map(([s, w, rel]) => row(s + "64", "rpp-", `R[A] := R64[B] ${rel} R64[C] ? 1 : 0   (i64.${w})`)),
  row("EQZ64", "rp--", "R[A] := R64[B] == 0 ? 1 : 0   (i64.eqz)"),
  row("CLZ64", "pp--", "R64[A] := count of leading zero bits of R64[B] (64 for 0)   (i64.clz)"),
  row("CTZ64", "pp--", "R64[A] := count of trailing zero bits of R64[B] (64 for 0)   (i64.ctz)"),
  row("POPCNT64", "pp--", "R64[A] := number of one bits in R64[B]   (i64.popcnt)"),
  row("SELECT64", "pppR", "R64[A] := R[I] != 0 ? R64[B] : R64[C]"),
  row("RET64", "p---", "return R64[A] (to the caller's window slots)", { terminator: true }),
];

export type OpName = string;

/** Opcode numbers by name: Op.ADD is the byte that encodes ADD. */
export const Op: Record<string, number> = Object.fromEntries(OPCODES.map((o, i) => [o.name, i]));

/** Every opcode by name, throwing on a misspelt name (the translator's guard). */
export function opcode(name: string): number {
  const n = Op[name];
  if (n === undefined) throw new Error(`internal: no kbc opcode ${name}`);
  return n;
}

/** Trap codes carried by TRAP and raised by handlers; index = code. Texts are in errors.ts TRAP. */
export const TRAP_CODES = ["UNREACHABLE", "DIV_ZERO", "DIV_OVERFLOW", "OOB", "TABLE_OOB", "BAD_CALL", "STACK", "BAD_CONTEXT", "HOST_THREADS"] as const;

/**
 * A thread's VM context (kernel.vm_switch, kernel.vm_context_init), byte offsets of its words:
 * where it resumes, its frame, control stack pointer, the ends of its slot and control stacks,
 * its control floor, whether interrupt delivery is blocked. kernel-ts/arch mirrors these (a test
 * checks).
 */
export const VM_CONTEXT = { pc: 0, frame: 4, ctl: 8, stackEnd: 12, ctlEnd: 16, ctlFloor: 20, blocked: 24, bytes: 32 } as const;

/** Instruction size in bytes and in 32-bit words. */
export const INSN_BYTES = 8;
export const INSN_WORDS = INSN_BYTES / 4;
/** The most slots a frame may have (slot fields are bytes). */
export const MAX_FRAME_SLOTS = 256;

/** Packs one instruction's first word. */
export function word0(op: number, a = 0, b = 0, c = 0): number {
  return (op & 0xff) | ((a & 0xff) << 8) | ((b & 0xff) << 16) | ((c & 0xff) << 24);
}

/** The I/O port the guest's MARK writes its marker id to. */
// 0x520 and 0x524: free in v86 and in QEMU's PC (0x510/0x511 next to them are fw_cfg's, which
// SeaBIOS uses while it boots a floppy).
export const MARK_PORT = 0x520;
/** The I/O port the kernel writes its heap-map descriptor's address to (kernel-ts/mm/heapmap.ts). */
export const HEAPMAP_PORT = 0x524;
/** The I/O port the guest VM writes why it stopped for the debugger to (boot/debug.ts). */
export const DEBUG_PORT = 0x528;
/** The I/O port the scheduler writes its thread table's descriptor to (kernel-ts/sched/thread.ts). */
export const THREADS_PORT = 0x52c;

/** VM limits, the same in every VM: slots of VM stack (4 bytes each) and nested calls. */
export const VM_STACK_SLOTS = 256 * 1024;   // 1 MiB
export const VM_MAX_DEPTH = 65536;
