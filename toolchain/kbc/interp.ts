// The host kbc interpreter: the executable specification of the VM. The x86 interpreter of the
// guest must match it instruction for instruction. Units: slots (32-bit) for the VM stack,
// instructions for pc, bytes for linear memory.

import { OPCODES, Op, TRAP_CODES, VM_STACK_SLOTS, VM_MAX_DEPTH } from "./opcodes.ts";
import { functionAt, lineAt, displayName, type KbcModule } from "./module.ts";
import { TRAP } from "../errors.ts";
import { readAsString, type PanicFrame } from "../panic.ts";

/** The machine the program talks to through the intrinsics. */
export interface Devices {
  out(port: number, value: number, size: 1 | 2 | 4): void;
  in(port: number, size: 1 | 2 | 4): number;
  readCr(n: 0 | 2 | 3): number;
  writeCr(n: 0 | 3, value: number): void;
  invlpg(addr: number): void;
  setInterrupts(enabled: boolean): void;
  hlt(): void;
  /** A benchmark marker; `executed` is the kbc instruction count so far (-1 unless profiling). */
  mark(id: number, executed: number): void;
  /** Address of the Multiboot information block (kernel.boot_info). */
  bootInfo(): number;
  /** First free byte after the image and the VM's memory (kernel.image_end). */
  imageEnd(): number;
  /** Address of the image layout words (kernel.image_layout). */
  imageLayout(): number;
  /** How many times IRQ line `line` (0..15) has fired (kernel.irq_count); the host has none. */
  irqCount(line: number): number;
}

export type RunResult =
  | { kind: "exit"; code: number }
  | { kind: "panic"; reason: string; where: { file: string; line: number } | null; frames: PanicFrame[] };

export interface Profile { executed: number; perOp: Float64Array; pairs: Map<number, number> }

class Trap { constructor(public reason: string) {} }
class Abort { constructor(public msg: number, public file: number, public line: number) {} }

const TRAP_TEXT: Record<(typeof TRAP_CODES)[number], string> = TRAP;

// Opcode numbers as plain constants, so the dispatch switch compares small integers.
const {
  NOP, MOV, CONST, ZERO, GGET, GSET, ADD, SUB, MUL, DIVS, DIVU, REMS, REMU, AND, OR, XOR, SHL, SHRS, SHRU, ROTL, ROTR,
  ADDI, MULI, DIVSI, DIVUI, REMSI, REMUI, ANDI, ORI, XORI, SHLI, SHRSI, SHRUI, RSUBI,
  EQ, NE, LTS, LTU, GTS, GTU, LES, LEU, GES, GEU, EQI, NEI, LTSI, LTUI, GTSI, GTUI, LESI, LEUI, GESI, GEUI,
  EQZ, CLZ, CTZ, POPCNT, EXT8S, EXT16S, SELECT, LD32, LD8S, LD8U, LD16S, LD16U, ST32, ST8, ST16, MCOPY, MFILL,
  JMP, BZ, BNZ, BEQ, BNE, BLTS, BLTU, BGTS, BGTU, BLES, BLEU, BGES, BGEU,
  BEQI, BNEI, BLTSI, BLTUI, BGTSI, BGTUI, BLESI, BLEUI, BGESI, BGEUI,
  BRTABLE, CALL, CALLI, RET, RET0, TRAP: TRAPOP, ABORT, OUT8, OUT16, OUT32, IN8, IN16, IN32, EXIT,
  RDCR0, WRCR0, RDCR2, RDCR3, WRCR3, INVLPG, CLI, STI, HLT, MARK, BOOTINFO, IMGEND, IMGLAYOUT, IRQSET, FAULTSET, IRQCOUNT, IRQBLOCK, CTXINIT, SWITCH,
  MOV64, ADD64, SUB64, MUL64, DIVS64, DIVU64, REMS64, REMU64, AND64, OR64, XOR64, SHL64, SHRS64, SHRU64, ROTL64, ROTR64,
  EQ64, NE64, LTS64, LTU64, GTS64, GTU64, LES64, LEU64, GES64, GEU64, EQZ64, CLZ64, CTZ64, POPCNT64, SELECT64, RET64,
} = Op;

// 64-bit values: the slot pair R[x] (low word), R[x+1] (high word), as BigInt for the arithmetic.
const MASK64 = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
/** R64[x] as a signed BigInt. */
const s64 = (R: Int32Array, x: number): bigint => (BigInt(R[x + 1]) << 32n) | BigInt(R[x] >>> 0);
/** R64[x] as an unsigned BigInt. */
const u64 = (R: Int32Array, x: number): bigint => (BigInt(R[x + 1] >>> 0) << 32n) | BigInt(R[x] >>> 0);
/** R64[x] := v (wrapped to 64 bits). */
function set64(R: Int32Array, x: number, v: bigint): void {
  R[x] = Number(BigInt.asIntN(32, v));
  R[x + 1] = Number(BigInt.asIntN(32, v >> 32n));
}
function rotl64(x: bigint, n: bigint): bigint { n &= 63n; return ((x << n) | (x >> ((64n - n) & 63n))) & MASK64; }
/** The signed/unsigned order of two pairs: negative, 0 or positive. */
function cmp64(R: Int32Array, a: number, b: number, signed: boolean): number {
  const ha = signed ? R[a + 1] : R[a + 1] >>> 0, hb = signed ? R[b + 1] : R[b + 1] >>> 0;
  if (ha !== hb) return ha < hb ? -1 : 1;
  const la = R[a] >>> 0, lb = R[b] >>> 0;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

function popcnt(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

export class KbcInterpreter {
  readonly mem: Uint8Array;
  private dv: DataView;
  private R = new Int32Array(VM_STACK_SLOTS);
  private irqBlocked = 0;
  private ctl = new Int32Array(2 * VM_MAX_DEPTH);
  private G: Int32Array;
  private fStart: Int32Array; private fFrame: Int32Array; private fType: Int32Array;
  profile: Profile | null = null;

  constructor(private m: KbcModule, memory: ArrayBuffer, private dev: Devices) {
    this.mem = new Uint8Array(memory);
    this.dv = new DataView(memory);
    this.G = Int32Array.from(m.globals);
    this.fStart = Int32Array.from(m.functions, (f) => f.start);
    this.fFrame = Int32Array.from(m.functions, (f) => f.frameSize);
    this.fType = Int32Array.from(m.functions, (f) => f.type);
    for (const d of m.data) this.mem.set(d.bytes, d.addr);
  }

  enableProfile(): void { this.profile = { executed: 0, perOp: new Float64Array(256), pairs: new Map() }; }

  /** Runs the start function (if any) then kmain; returning from kmain is exit(0). */
  run(): RunResult {
    if (this.m.start >= 0) { const r = this.call(this.m.start); if (r) return r; }
    return this.call(this.m.entry) ?? { kind: "exit", code: 0 };
  }

  /** Calls function `fi` (no arguments). Returns null when it returns normally. */
  private call(fi: number): RunResult | null {
    const code = this.m.code, R = this.R, ctl = this.ctl, G = this.G, dv = this.dv, mem = this.mem, dev = this.dev;
    const fStart = this.fStart, fFrame = this.fFrame, fType = this.fType, table = this.m.table;
    const memSize = mem.length;
    const prof = this.profile;
    let pc = fStart[fi], base = 0, depth = 0, prevOp = -1;
    if (fFrame[fi] > VM_STACK_SLOTS) return this.panic(new Trap(TRAP.STACK), pc, base, depth);
    const ea = (addr: number, off: number, size: number): number => {
      const a = (addr >>> 0) + (off >>> 0);
      if (a + size > memSize) throw new Trap(TRAP.OOB);
      return a;
    };
    try {
      for (;;) {
        const w = code[pc << 1], I = code[(pc << 1) + 1];
        const op = w & 0xff, A = base + ((w >>> 8) & 0xff), B = base + ((w >>> 16) & 0xff), C = base + (w >>> 24);
        if (prof) {
          prof.executed++; prof.perOp[op]++;
          if (prevOp >= 0) { const k = (prevOp << 8) | op; prof.pairs.set(k, (prof.pairs.get(k) ?? 0) + 1); }
          prevOp = op;
        }
        pc++;
        switch (op) {
          case NOP: break;
          case MOV: R[A] = R[B]; break;
          case CONST: R[A] = I; break;
          case ZERO: R.fill(0, A, A + ((w >>> 16) & 0xff)); break;
          case GGET: R[A] = G[I]; break;
          case GSET: G[I] = R[A]; break;
          case ADD: R[A] = (R[B] + R[C]) | 0; break;
          case SUB: R[A] = (R[B] - R[C]) | 0; break;
          case MUL: R[A] = Math.imul(R[B], R[C]); break;
          case DIVS: {
            const y = R[C], x = R[B];
            if (y === 0) throw new Trap(TRAP.DIV_ZERO);
            if (y === -1 && x === -0x80000000) throw new Trap(TRAP.DIV_OVERFLOW);
            R[A] = (x / y) | 0; break;
          }
          case DIVU: { const y = R[C] >>> 0; if (y === 0) throw new Trap(TRAP.DIV_ZERO); R[A] = ((R[B] >>> 0) / y) | 0; break; }
          case REMS: { const y = R[C]; if (y === 0) throw new Trap(TRAP.DIV_ZERO); R[A] = (R[B] % y) | 0; break; }
          case REMU: { const y = R[C] >>> 0; if (y === 0) throw new Trap(TRAP.DIV_ZERO); R[A] = ((R[B] >>> 0) % y) | 0; break; }
          case AND: R[A] = R[B] & R[C]; break;
          case OR: R[A] = R[B] | R[C]; break;
          case XOR: R[A] = R[B] ^ R[C]; break;
          case SHL: R[A] = R[B] << R[C]; break;
          case SHRS: R[A] = R[B] >> R[C]; break;
          case SHRU: R[A] = R[B] >>> R[C]; break;
          case ROTL: { const x = R[B], n = R[C] & 31; R[A] = n === 0 ? x : (x << n) | (x >>> (32 - n)); break; }
          case ROTR: { const x = R[B], n = R[C] & 31; R[A] = n === 0 ? x : (x >>> n) | (x << (32 - n)); break; }
          case ADDI: R[A] = (R[B] + I) | 0; break;
          case MULI: R[A] = Math.imul(R[B], I); break;
          case DIVSI: R[A] = (R[B] / I) | 0; break;
          case DIVUI: R[A] = ((R[B] >>> 0) / (I >>> 0)) | 0; break;
          case REMSI: R[A] = (R[B] % I) | 0; break;
          case REMUI: R[A] = ((R[B] >>> 0) % (I >>> 0)) | 0; break;
          case ANDI: R[A] = R[B] & I; break;
          case ORI: R[A] = R[B] | I; break;
          case XORI: R[A] = R[B] ^ I; break;
          case SHLI: R[A] = R[B] << I; break;
          case SHRSI: R[A] = R[B] >> I; break;
          case SHRUI: R[A] = R[B] >>> I; break;
          case RSUBI: R[A] = (I - R[B]) | 0; break;
          case EQ: R[A] = +(R[B] === R[C]); break;
          case NE: R[A] = +(R[B] !== R[C]); break;
          case LTS: R[A] = +(R[B] < R[C]); break;
          case LTU: R[A] = +((R[B] >>> 0) < (R[C] >>> 0)); break;
          case GTS: R[A] = +(R[B] > R[C]); break;
          case GTU: R[A] = +((R[B] >>> 0) > (R[C] >>> 0)); break;
          case LES: R[A] = +(R[B] <= R[C]); break;
          case LEU: R[A] = +((R[B] >>> 0) <= (R[C] >>> 0)); break;
          case GES: R[A] = +(R[B] >= R[C]); break;
          case GEU: R[A] = +((R[B] >>> 0) >= (R[C] >>> 0)); break;
          case EQI: R[A] = +(R[B] === I); break;
          case NEI: R[A] = +(R[B] !== I); break;
          case LTSI: R[A] = +(R[B] < I); break;
          case LTUI: R[A] = +((R[B] >>> 0) < (I >>> 0)); break;
          case GTSI: R[A] = +(R[B] > I); break;
          case GTUI: R[A] = +((R[B] >>> 0) > (I >>> 0)); break;
          case LESI: R[A] = +(R[B] <= I); break;
          case LEUI: R[A] = +((R[B] >>> 0) <= (I >>> 0)); break;
          case GESI: R[A] = +(R[B] >= I); break;
          case GEUI: R[A] = +((R[B] >>> 0) >= (I >>> 0)); break;
          case EQZ: R[A] = +(R[B] === 0); break;
          case CLZ: R[A] = Math.clz32(R[B]); break;
          case CTZ: { const x = R[B]; R[A] = x === 0 ? 32 : 31 - Math.clz32(x & -x); break; }
          case POPCNT: R[A] = popcnt(R[B]); break;
          case EXT8S: R[A] = (R[B] << 24) >> 24; break;
          case EXT16S: R[A] = (R[B] << 16) >> 16; break;
          case SELECT: R[A] = R[base + (I & 0xff)] !== 0 ? R[B] : R[C]; break;
          case LD32: R[A] = dv.getInt32(ea(R[B], I, 4), true); break;
          case LD8S: R[A] = dv.getInt8(ea(R[B], I, 1)); break;
          case LD8U: R[A] = mem[ea(R[B], I, 1)]; break;
          case LD16S: R[A] = dv.getInt16(ea(R[B], I, 2), true); break;
          case LD16U: R[A] = dv.getUint16(ea(R[B], I, 2), true); break;
          case ST32: dv.setInt32(ea(R[A], I, 4), R[B], true); break;
          case ST8: mem[ea(R[A], I, 1)] = R[B]; break;
          case ST16: dv.setInt16(ea(R[A], I, 2), R[B], true); break;
          case MCOPY: {
            const d = R[A] >>> 0, s = R[B] >>> 0, n = R[C] >>> 0;
            if (d + n > memSize || s + n > memSize) throw new Trap(TRAP.OOB);
            mem.copyWithin(d, s, s + n); break;
          }
          case MFILL: {
            const d = R[A] >>> 0, n = R[C] >>> 0;
            if (d + n > memSize) throw new Trap(TRAP.OOB);
            mem.fill(R[B] & 0xff, d, d + n); break;
          }
          case JMP: pc += I; break;
          case BZ: if (R[A] === 0) pc += I; break;
          case BNZ: if (R[A] !== 0) pc += I; break;
          case BEQ: if (R[A] === R[B]) pc += I; break;
          case BNE: if (R[A] !== R[B]) pc += I; break;
          case BLTS: if (R[A] < R[B]) pc += I; break;
          case BLTU: if ((R[A] >>> 0) < (R[B] >>> 0)) pc += I; break;
          case BGTS: if (R[A] > R[B]) pc += I; break;
          case BGTU: if ((R[A] >>> 0) > (R[B] >>> 0)) pc += I; break;
          case BLES: if (R[A] <= R[B]) pc += I; break;
          case BLEU: if ((R[A] >>> 0) <= (R[B] >>> 0)) pc += I; break;
          case BGES: if (R[A] >= R[B]) pc += I; break;
          case BGEU: if ((R[A] >>> 0) >= (R[B] >>> 0)) pc += I; break;
          case BEQI: if (R[A] === I) pc += w >> 16; break;
          case BNEI: if (R[A] !== I) pc += w >> 16; break;
          case BLTSI: if (R[A] < I) pc += w >> 16; break;
          case BLTUI: if ((R[A] >>> 0) < (I >>> 0)) pc += w >> 16; break;
          case BGTSI: if (R[A] > I) pc += w >> 16; break;
          case BGTUI: if ((R[A] >>> 0) > (I >>> 0)) pc += w >> 16; break;
          case BLESI: if (R[A] <= I) pc += w >> 16; break;
          case BLEUI: if ((R[A] >>> 0) <= (I >>> 0)) pc += w >> 16; break;
          case BGESI: if (R[A] >= I) pc += w >> 16; break;
          case BGEUI: if ((R[A] >>> 0) >= (I >>> 0)) pc += w >> 16; break;
          case BRTABLE: { const k = R[A] >>> 0; pc += k < (I >>> 0) ? k : I; break; }
          case CALL: case CALLI: {
            let f = I;
            if (op === CALLI) {
              const k = R[B] >>> 0;
              if (k >= table.length) throw new Trap(TRAP.TABLE_OOB);
              f = table[k];
              if (f < 0 || fType[f] !== I) throw new Trap(TRAP.BAD_CALL);
            }
            if (depth >= VM_MAX_DEPTH || A + fFrame[f] > VM_STACK_SLOTS) throw new Trap(TRAP.STACK);
            ctl[2 * depth] = pc; ctl[2 * depth + 1] = base; depth++;
            base = A; pc = fStart[f];
            break;
          }
          case RET: case RET0:
            if (op === RET) R[base] = R[A];
            if (depth === 0) return null;
            depth--; pc = ctl[2 * depth]; base = ctl[2 * depth + 1];
            break;
          case TRAPOP: throw new Trap(TRAP_TEXT[TRAP_CODES[I]] ?? `trap ${I}`);
          case ABORT: throw new Abort(R[A], R[A + 1], R[A + 2]);
          case OUT8: dev.out(R[A] & 0xffff, R[B] & 0xff, 1); break;
          case OUT16: dev.out(R[A] & 0xffff, R[B] & 0xffff, 2); break;
          case OUT32: dev.out(R[A] & 0xffff, R[B] >>> 0, 4); break;
          case IN8: R[A] = dev.in(R[B] & 0xffff, 1) & 0xff; break;
          case IN16: R[A] = dev.in(R[B] & 0xffff, 2) & 0xffff; break;
          case IN32: R[A] = dev.in(R[B] & 0xffff, 4) | 0; break;
          case EXIT: return { kind: "exit", code: R[A] >>> 0 };
          case RDCR0: R[A] = dev.readCr(0); break;
          case WRCR0: dev.writeCr(0, R[A]); break;
          case RDCR2: R[A] = dev.readCr(2); break;
          case RDCR3: R[A] = dev.readCr(3); break;
          case WRCR3: dev.writeCr(3, R[A]); break;
          case INVLPG: dev.invlpg(R[A] >>> 0); break;
          case CLI: dev.setInterrupts(false); break;
          case STI: dev.setInterrupts(true); break;
          case HLT: dev.hlt(); break;
          case MARK: dev.mark(R[A] >>> 0, prof ? prof.executed : -1); break;
          case BOOTINFO: R[A] = dev.bootInfo(); break;
          case IMGEND: R[A] = dev.imageEnd(); break;
          case IMGLAYOUT: R[A] = dev.imageLayout(); break;
          case IRQSET: case FAULTSET: { // checked like CALLI; no interrupt or page fault ever arrives on the host
            const k = R[A] >>> 0;
            if (k >= table.length) throw new Trap(TRAP.TABLE_OOB);
            if (table[k] < 0 || fType[table[k]] !== I) throw new Trap(TRAP.BAD_CALL);
            break;
          }
          case IRQCOUNT: R[A] = dev.irqCount(R[B] & 15); break;
          case IRQBLOCK: { const was = this.irqBlocked; this.irqBlocked = R[B] !== 0 ? 1 : 0; R[A] = was; break; }
          case CTXINIT: case SWITCH: throw new Trap(TRAP.HOST_THREADS);
          case MOV64: { const lo = R[B], hi = R[B + 1]; R[A] = lo; R[A + 1] = hi; break; }
          case ADD64: set64(R, A, s64(R, B) + s64(R, C)); break;
          case SUB64: set64(R, A, s64(R, B) - s64(R, C)); break;
          case MUL64: set64(R, A, s64(R, B) * s64(R, C)); break;
          case DIVS64: case REMS64: {
            const x = s64(R, B), y = s64(R, C);
            if (y === 0n) throw new Trap(TRAP.DIV_ZERO);
            if (op === DIVS64 && y === -1n && x === INT64_MIN) throw new Trap(TRAP.DIV_OVERFLOW);
            set64(R, A, op === DIVS64 ? x / y : x % y); break; // BigInt division truncates, like wasm
          }
          case DIVU64: case REMU64: {
            const x = u64(R, B), y = u64(R, C);
            if (y === 0n) throw new Trap(TRAP.DIV_ZERO);
            set64(R, A, op === DIVU64 ? x / y : x % y); break;
          }
          case AND64: { const lo = R[B] & R[C], hi = R[B + 1] & R[C + 1]; R[A] = lo; R[A + 1] = hi; break; }
          case OR64: { const lo = R[B] | R[C], hi = R[B + 1] | R[C + 1]; R[A] = lo; R[A + 1] = hi; break; }
          case XOR64: { const lo = R[B] ^ R[C], hi = R[B + 1] ^ R[C + 1]; R[A] = lo; R[A + 1] = hi; break; }
          case SHL64: set64(R, A, s64(R, B) << BigInt(R[C] & 63)); break;
          case SHRS64: set64(R, A, s64(R, B) >> BigInt(R[C] & 63)); break;
          case SHRU64: set64(R, A, u64(R, B) >> BigInt(R[C] & 63)); break;
          case ROTL64: set64(R, A, rotl64(u64(R, B), BigInt(R[C] & 63))); break;
          case ROTR64: set64(R, A, rotl64(u64(R, B), BigInt((64 - (R[C] & 63)) & 63))); break;
          case EQ64: R[A] = +(R[B] === R[C] && R[B + 1] === R[C + 1]); break;
          case NE64: R[A] = +(R[B] !== R[C] || R[B + 1] !== R[C + 1]); break;
          case LTS64: R[A] = +(cmp64(R, B, C, true) < 0); break;
          case LTU64: R[A] = +(cmp64(R, B, C, false) < 0); break;
          case GTS64: R[A] = +(cmp64(R, B, C, true) > 0); break;
          case GTU64: R[A] = +(cmp64(R, B, C, false) > 0); break;
          case LES64: R[A] = +(cmp64(R, B, C, true) <= 0); break;
          case LEU64: R[A] = +(cmp64(R, B, C, false) <= 0); break;
          case GES64: R[A] = +(cmp64(R, B, C, true) >= 0); break;
          case GEU64: R[A] = +(cmp64(R, B, C, false) >= 0); break;
          case EQZ64: R[A] = +(R[B] === 0 && R[B + 1] === 0); break;
          case CLZ64: { const hi = R[B + 1]; R[A] = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(R[B]); R[A + 1] = 0; break; }
          case CTZ64: {
            const lo = R[B], hi = R[B + 1];
            R[A] = lo !== 0 ? 31 - Math.clz32(lo & -lo) : hi !== 0 ? 63 - Math.clz32(hi & -hi) : 64; R[A + 1] = 0; break;
          }
          case POPCNT64: { const n = popcnt(R[B]) + popcnt(R[B + 1]); R[A] = n; R[A + 1] = 0; break; }
          case SELECT64: {
            const from = R[base + (I & 0xff)] !== 0 ? B : C;
            const lo = R[from], hi = R[from + 1]; R[A] = lo; R[A + 1] = hi; break;
          }
          case RET64: {
            const lo = R[A], hi = R[A + 1]; R[base] = lo; R[base + 1] = hi;
            if (depth === 0) return null;
            depth--; pc = ctl[2 * depth]; base = ctl[2 * depth + 1];
            break;
          }
          default: throw new Trap(`illegal opcode ${op} (${OPCODES[op]?.name ?? "?"})`);
        }
      }
    } catch (e) {
      if (e instanceof Trap || e instanceof Abort) return this.panic(e, pc - 1, base, depth);
      throw e;
    }
  }

  /** Builds the panic report from the VM's frames. */
  private panic(e: Trap | Abort, pc: number, _base: number, depth: number): RunResult {
    const frames: PanicFrame[] = [];
    const frameAt = (at: number) => {
      const f = functionAt(this.m, at);
      const pos = lineAt(this.m, at);
      frames.push({ func: f >= 0 ? displayName(this.m.functions[f].name) : "?", file: pos?.file ?? null, line: pos?.line ?? 0 });
    };
    frameAt(pc);
    for (let d = depth - 1; d >= 0 && frames.length <= 16; d--) frameAt(this.ctl[2 * d] - 1);
    if (e instanceof Abort) {
      const msg = readAsString(this.mem, e.msg) ?? "assertion failed";
      const file = readAsString(this.mem, e.file);
      return { kind: "panic", reason: msg, where: file ? { file, line: e.line } : null, frames };
    }
    return { kind: "panic", reason: e.reason, where: null, frames };
  }
}
