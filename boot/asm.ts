// The assembler layer over iced-x86: 32-bit x86 sections with labels, data directives and
// alignment, encoded in two passes, checked, and listed. Units: bytes and linear addresses.
//
//   const s = new Section("text", 0x100000);
//   s.label("loop");
//   s.i("add", "eax", mem({ base: "ebp", index: "ecx", scale: 4 }));
//   s.jcc("ne", "loop");
//
// Every instruction is encoded with fixed-size forms wherever a label is involved (rel32
// branches, imm32/disp32 operands), so pass 1 (labels as 0) fixes every address and pass 2 only
// fills values in; a length change between passes is an internal error. An undefined or
// duplicate label is a build error (iced would silently encode an undefined branch target as an
// absolute address), and after encoding every branch is decoded again and must land on the
// start of an instruction.

import iced from "iced-x86";
const { Code, Register, Instruction, MemoryOperand, Encoder, Decoder, DecoderOptions, Formatter, FormatterSyntax, FlowControl } = iced;
type IcedInstruction = InstanceType<typeof Instruction>;

export class AsmError extends Error {}

const REG32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;
const REG16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"] as const;
const REG8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"] as const;
const CREG = ["cr0", "cr2", "cr3", "cr4"] as const;
const SREG = ["es", "cs", "ss", "ds", "fs", "gs"] as const;
export type Reg32 = (typeof REG32)[number];
export type Reg = Reg32 | (typeof REG16)[number] | (typeof REG8)[number] | (typeof CREG)[number] | (typeof SREG)[number];

/** A reference to a label's address (plus an addend), usable as an immediate or displacement. */
export interface LabelRef { label: string; add: number }
export const ref = (label: string, add = 0): LabelRef => ({ label, add });

/**
 * A hole: an immediate or displacement whose value is filled in later (the stencils of
 * boot/stencil.ts). It is encoded as 0 in its full-size form (imm8 when `size` is 1, else imm32 or
 * disp32); its offset in the bytes is found by decoding the instruction.
 */
export interface Hole { hole: string; size: 1 | 4 }
export const hole = (name: string, size: 1 | 4 = 4): Hole => ({ hole: name, size });

export interface Mem { mem: true; base?: Reg32; index?: Reg32; scale?: 1 | 2 | 4 | 8; disp?: number | LabelRef | Hole; size: 8 | 16 | 32 | 0 }
/** A memory operand; `size` 0 is for instructions without an operand size (lea, lgdt, invlpg). */
export const mem = (m: Omit<Mem, "mem" | "size"> & { size?: Mem["size"] }): Mem => ({ mem: true, size: 32, ...m });
export const m8 = (m: Omit<Mem, "mem" | "size">): Mem => mem({ ...m, size: 8 });
export const m16 = (m: Omit<Mem, "mem" | "size">): Mem => mem({ ...m, size: 16 });

export type Operand = Reg | Mem | number | LabelRef | Hole;

const isLabel = (o: Operand): o is LabelRef => typeof o === "object" && "label" in o;
export const isHole = (o: unknown): o is Hole => typeof o === "object" && o !== null && "hole" in o;
const isMem = (o: Operand): o is Mem => typeof o === "object" && "mem" in o;
const isReg = (o: Operand): o is Reg => typeof o === "string";
const regSize = (r: Reg): number => ((REG32 as readonly string[]).includes(r) ? 32 : (REG16 as readonly string[]).includes(r) ? 16 : (REG8 as readonly string[]).includes(r) ? 8 : 0);

function icedReg(r: Reg): number {
  const v = (Register as unknown as Record<string, number>)[r.toUpperCase()];
  if (v === undefined) throw new AsmError(`unknown register ${r}`);
  return v;
}

/** The iced operand spellings an operand may match, most specific first. */
function spellings(o: Operand, labelled: boolean, opSize: number): string[] {
  if (isReg(o)) {
    // Accumulator forms last: the general forms have imm8 variants, which are shorter.
    const special = o === "eax" ? ["EAX"] : o === "ax" ? ["AX"] : o === "al" ? ["AL"] : o === "cl" ? ["CL"] : o === "dx" ? ["DX"] : [];
    if ((CREG as readonly string[]).includes(o)) return ["cr"];
    if ((SREG as readonly string[]).includes(o)) return ["Sreg"];
    const s = regSize(o);
    return [`r${s}`, `rm${s}`, `r32m${s}`, ...special];
  }
  if (isMem(o)) return o.size === 0 ? ["m", "m1632"] : [`rm${o.size}`, `r32m${o.size}`, `m${o.size}`, "m"];
  if (isHole(o)) return o.size === 1 ? ["imm8"] : ["imm32"];
  if (isLabel(o) || labelled) return ["imm32"];
  const v = o as number;
  if (opSize === 8) return ["imm8"];
  const out: string[] = [];
  if (v >= -128 && v <= 127) out.push("imm8");
  out.push(opSize === 16 ? "imm16" : "imm32");
  return out;
}

type Item =
  | { kind: "ins"; mnemonic: string; ops: Operand[]; line: string }
  | { kind: "branch"; code: string; target: string; line: string }
  | { kind: "far"; selector: number; target: string; line: string }
  | { kind: "bytes"; data: Uint8Array }
  | { kind: "dd"; values: (number | LabelRef)[] }
  | { kind: "align"; n: number; fill: number }
  | { kind: "computed"; size: number; fn: (addr: (label: string) => number) => Uint8Array }
  | { kind: "label"; name: string };

export interface Encoded {
  name: string;
  base: number;
  bytes: Uint8Array;
  insnStarts: Set<number>;
  /** The address of each item of the section, in order (labels included). */
  itemAddrs: number[];
  listing: { addr: number; len: number; text: string; label?: string; insn: boolean }[];
}

/** A section of code or data at a fixed base address. */
export class Section {
  items: Item[] = [];
  private labelNames = new Set<string>();

  constructor(public name: string, public base: number) {}

  /** Defines a label at the current position. */
  label(name: string): this {
    if (this.labelNames.has(name)) throw new AsmError(`duplicate label ${name}`);
    this.labelNames.add(name);
    this.items.push({ kind: "label", name });
    return this;
  }
  has(name: string): boolean { return this.labelNames.has(name); }

  /** One instruction: mnemonic and operands in Intel order (`i("mov", "eax", 5)`). */
  i(mnemonic: string, ...ops: Operand[]): this {
    this.items.push({ kind: "ins", mnemonic, ops, line: `${mnemonic} ${ops.map(show).join(", ")}` });
    return this;
  }
  jmp(target: string): this { this.items.push({ kind: "branch", code: "Jmp_rel32_32", target, line: `jmp ${target}` }); return this; }
  call(target: string): this { this.items.push({ kind: "branch", code: "Call_rel32_32", target, line: `call ${target}` }); return this; }
  /** Conditional jump; cc in iced spelling: e ne l le g ge b be a ae s ns o no. */
  jcc(cc: string, target: string): this {
    this.items.push({ kind: "branch", code: `J${cc}_rel32_32`, target, line: `j${cc} ${target}` });
    return this;
  }
  farJmp(selector: number, target: string): this { this.items.push({ kind: "far", selector, target, line: `jmp far ${selector}:${target}` }); return this; }
  bytes(data: ArrayLike<number>): this { this.items.push({ kind: "bytes", data: Uint8Array.from(data) }); return this; }
  dd(...values: (number | LabelRef)[]): this { this.items.push({ kind: "dd", values }); return this; }
  align(n: number, fill = 0): this { this.items.push({ kind: "align", n, fill }); return this; }
  /** `size` bytes computed from final label addresses (e.g. descriptor tables). */
  computed(size: number, fn: (addr: (label: string) => number) => Uint8Array): this { this.items.push({ kind: "computed", size, fn }); return this; }
}

function show(o: Operand): string {
  if (isReg(o)) return o;
  if (isLabel(o)) return o.add ? `${o.label}+${o.add}` : o.label;
  if (isHole(o)) return `<${o.hole}>`;
  if (isMem(o)) {
    const parts = [o.base, o.index ? `${o.index}*${o.scale ?? 1}` : undefined, o.disp !== undefined ? show(o.disp as Operand) : undefined].filter(Boolean);
    return `${o.size ? `${o.size === 8 ? "byte" : o.size === 16 ? "word" : "dword"} ` : ""}[${parts.join("+")}]`;
  }
  return String(o);
}

/** Encodes sections that may refer to each other's labels. */
export function assemble(sections: Section[], symbols: Map<string, number> = new Map()): { sections: Encoded[]; labels: Map<string, number> } {
  const labels = new Map<string, number>(symbols);
  const enc = new Encoder(32);
  try {
    const resolve = (l: LabelRef, pass: number): number => {
      const a = labels.get(l.label);
      if (a === undefined) {
        if (pass === 2) throw new AsmError(`undefined label ${l.label}`);
        return 0;
      }
      return (a + l.add) >>> 0;
    };
    const sizes: number[][] = sections.map(() => []);
    let out: Encoded[] = [];
    for (const pass of [1, 2]) {
      out = [];
      sections.forEach((s, si) => {
        let addr = s.base;
        const chunks: Uint8Array[] = [];
        const insnStarts = new Set<number>();
        const listing: Encoded["listing"] = [];
        const itemAddrs: number[] = [];
        let pendingLabel: string | undefined;
        s.items.forEach((it, k) => {
          itemAddrs.push(addr);
          let bytes: Uint8Array;
          switch (it.kind) {
            case "label":
              if (pass === 1) { if (labels.has(it.name)) throw new AsmError(`duplicate label ${it.name}`); labels.set(it.name, addr); }
              pendingLabel = it.name;
              return;
            case "align": { const pad = (it.n - (addr % it.n)) % it.n; bytes = new Uint8Array(pad).fill(it.fill); break; }
            case "bytes": bytes = it.data; break;
            case "computed":
              bytes = pass === 1 ? new Uint8Array(it.size) : it.fn((l) => resolve({ label: l, add: 0 }, 2));
              if (bytes.length !== it.size) throw new AsmError(`internal: computed item is ${bytes.length} bytes, not ${it.size}`);
              break;
            case "dd": {
              bytes = new Uint8Array(4 * it.values.length);
              const dv = new DataView(bytes.buffer);
              it.values.forEach((v, i) => dv.setUint32(4 * i, typeof v === "number" ? v >>> 0 : resolve(v, pass), true));
              break;
            }
            default: {
              const ins = buildInstruction(it, (l) => resolve(l, pass), pass, addr);
              try {
                const len = enc.encode(ins, BigInt(addr));
                bytes = enc.takeBuffer().slice(0, len);
              } catch (e) {
                throw new AsmError(`cannot encode '${it.line}': ${(e as Error).message ?? e}`);
              } finally { ins.free(); }
              insnStarts.add(addr);
            }
          }
          if (pass === 1) sizes[si][k] = bytes.length;
          else if (sizes[si][k] !== bytes.length) throw new AsmError(`internal: '${"line" in it ? it.line : it.kind}' changed size between passes`);
          if (pass === 2) listing.push({ addr, len: bytes.length, text: "line" in it ? it.line : it.kind, label: pendingLabel, insn: "line" in it });
          pendingLabel = undefined;
          chunks.push(bytes);
          addr += bytes.length;
        });
        const total = chunks.reduce((n, c) => n + c.length, 0);
        const buf = new Uint8Array(total);
        let p = 0;
        for (const c of chunks) { buf.set(c, p); p += c.length; }
        out.push({ name: s.name, base: s.base, bytes: buf, insnStarts, itemAddrs, listing });
      });
    }
    checkBranches(out);
    return { sections: out, labels };
  } finally {
    enc.free();
  }
}

function buildInstruction(it: Item, resolve: (l: LabelRef) => number, pass: number, addr: number): IcedInstruction {
  const C = Code as unknown as Record<string, number>;
  if (it.kind === "branch") {
    const code = C[it.code];
    if (code === undefined) throw new AsmError(`unknown branch ${it.line}`);
    const t = resolve({ label: it.target, add: 0 });
    return Instruction.createBranch(code, BigInt(pass === 1 ? addr : t));
  }
  if (it.kind === "far") return Instruction.createFarBranch(C.Jmp_ptr1632, it.selector, resolve({ label: it.target, add: 0 }));
  if (it.kind !== "ins") throw new AsmError("internal: not an instruction");
  const { mnemonic, ops } = it;
  if (mnemonic === "rep_movsb") return Instruction.createRepMovsb(32);
  if (mnemonic === "rep_stosb") return Instruction.createRepStosb(32);
  if (mnemonic === "rep_stosw") return Instruction.createRepStosw(32);
  const M = mnemonic[0].toUpperCase() + mnemonic.slice(1);
  // Operands referring to labels use their 32-bit forms so both passes agree on lengths.
  const labelled = ops.map((o) => isLabel(o) || (isMem(o) && (isLabel(o.disp as Operand) || isHole(o.disp))));
  const first = ops.find((o) => isReg(o) || isMem(o));
  const opSize = first === undefined ? 32 : isReg(first) ? regSize(first) || 32 : (first as Mem).size || 32;
  const cands = ops.map((o, i) => spellings(o, labelled[i], opSize));
  let code: number | undefined;
  const tryNames = (i: number, acc: string[]): boolean => {
    if (i === cands.length) {
      const name = [M, ...acc].join("_");
      if (C[name] !== undefined) { code = C[name]; return true; }
      return false;
    }
    for (const c of cands[i]) if (tryNames(i + 1, [...acc, c])) return true;
    return false;
  };
  if (!tryNames(0, []) || code === undefined) throw new AsmError(`no encoding for '${it.line}'`);
  const vals = ops.map((o) => {
    if (isReg(o)) return { reg: icedReg(o) };
    if (isMem(o)) {
      const disp = o.disp === undefined || isHole(o.disp) ? 0 : isLabel(o.disp as Operand) ? resolve(o.disp as LabelRef) : (o.disp as number);
      const forced = isLabel(o.disp as Operand) || isHole(o.disp) || !o.base ? 4 : disp === 0 ? 0 : disp >= -128 && disp <= 127 ? 1 : 4;
      return { mem: MemoryOperand.createBaseIndexScaleDisplSize(o.base ? icedReg(o.base) : Register.None, o.index ? icedReg(o.index) : Register.None, o.scale ?? 1, BigInt(disp | 0), forced) };
    }
    return { imm: isLabel(o) ? resolve(o) : isHole(o) ? 0 : (o as number) };
  });
  const I = Instruction as unknown as Record<string, (...a: unknown[]) => IcedInstruction>;
  const kinds = vals.map((v) => ("reg" in v ? "Reg" : "mem" in v ? "Mem" : "I32")).join("");
  const args = vals.map((v) => ("reg" in v ? v.reg : "mem" in v ? v.mem : v.imm! | 0));
  const fn = kinds === "" ? "create" : `create${kinds}`;
  if (!I[fn]) throw new AsmError(`no constructor ${fn} for '${it.line}'`);
  return I[fn](code, ...args);
}

/** Every near branch must land on the start of an instruction in some section. */
function checkBranches(out: Encoded[]): void {
  const starts = new Set<number>();
  for (const s of out) for (const a of s.insnStarts) starts.add(a);
  for (const s of out) {
    for (const a of s.insnStarts) {
      const off = a - s.base;
      const d = new Decoder(32, s.bytes.subarray(off, off + 15), DecoderOptions.None);
      d.ip = BigInt(a);
      const ins = d.decode();
      const fc = ins.flowControl;
      if (fc === FlowControl.UnconditionalBranch || fc === FlowControl.ConditionalBranch || fc === FlowControl.Call) {
        if (ins.isJmpShortOrNear || ins.isJccShortOrNear || ins.isCallNear) {
          const t = Number(ins.nearBranchTarget);
          if (!starts.has(t)) throw new AsmError(`branch at 0x${a.toString(16)} targets 0x${t.toString(16)}, not an instruction start`);
        }
      }
      ins.free(); d.free();
    }
  }
}

/** A listing of encoded sections: address, bytes, label names, iced's formatting. */
export function listing(encoded: Encoded[], labels: Map<string, number>): string {
  const byAddr = new Map<number, string>();
  for (const [n, a] of labels) if (!byAddr.has(a)) byAddr.set(a, n);
  const fmt = new Formatter(FormatterSyntax.Nasm);
  const lines: string[] = [];
  try {
    for (const s of encoded) {
      lines.push(`; section ${s.name} at 0x${s.base.toString(16)} (${s.bytes.length} bytes)`);
      for (const e of s.listing) {
        if (e.label) lines.push(`${e.label}:`);
        if (e.len === 0) continue;
        const off = e.addr - s.base;
        const raw = s.bytes.subarray(off, off + e.len);
        let text = e.text;
        if (e.insn) {
          const d = new Decoder(32, raw, DecoderOptions.None);
          d.ip = BigInt(e.addr);
          const ins = d.decode();
          text = fmt.format(ins).replace(/\b([0-9a-f]+)h\b/gi, (m, h) => {
            const name = byAddr.get(parseInt(h, 16));
            return name ? name : m;
          });
          ins.free(); d.free();
        }
        const hex = [...raw.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
        lines.push(`  ${e.addr.toString(16).padStart(8, "0")}  ${hex.padEnd(17)} ${text}`);
      }
    }
  } finally { fmt.free(); }
  return lines.join("\n") + "\n";
}
