// The real-mode counterpart of boot/asm.ts: sections of 16-bit x86 code (the floppy's boot sector
// and loader, run by the BIOS in real mode) written with asm.ts's Section API and encoded by
// iced-x86 at bitness 16. Units: bytes and linear addresses (segment 0, so offset = address).
//
//   const s = new Section("boot", 0x7c00);
//   s.i("mov", "ax", 0x1234).i("mov", m16({ disp: ref("count") }), "ax").jcc("ne", "again");
//   const { sections, labels } = assemble16([s], symbolsOf32BitCode);
//
// The same rules as asm.ts: fixed-size forms wherever a label is involved (rel16 branches, imm16
// and disp16 operands), so pass 1 fixes every address; an undefined or duplicate label is an error
// (iced would silently encode an undefined target as an absolute address); every near branch must
// land on the start of an instruction. 32-bit registers and operands work as in any real-mode code
// (iced adds the 0x66/0x67 prefixes). A memory operand without a base is an absolute 16-bit
// address; one with a (32-bit) base uses 32-bit addressing, whose offset must stay below 64 KiB.
// Far jumps (`farJmp`) are ptr16:16; checkFarJumps verifies their targets across bitnesses.

import iced from "iced-x86";
import { AsmError, type Encoded, type LabelRef, type Mem, type Operand, type Reg, type Section } from "./asm.ts";
const { Code, Register, Instruction, MemoryOperand, Encoder, Decoder, DecoderOptions, Formatter, FormatterSyntax, FlowControl, RepPrefixKind, OpKind } = iced;
type IcedInstruction = InstanceType<typeof Instruction>;
type Item = Section["items"][number];

const REG32 = new Set(["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]);
const REG16 = new Set(["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]);
const REG8 = new Set(["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]);
const SREG = new Set(["es", "cs", "ss", "ds", "fs", "gs"]);
const regSize = (r: string): number => (REG32.has(r) ? 32 : REG16.has(r) ? 16 : REG8.has(r) ? 8 : 0);
const isLabel = (o: Operand): o is LabelRef => typeof o === "object" && "label" in o;
const isMem = (o: Operand): o is Mem => typeof o === "object" && "mem" in o;
const isReg = (o: Operand): o is Reg => typeof o === "string";

/** Instructions whose iced form has no operands to spell (string instructions, 16-bit stack forms). */
const SPECIAL: Record<string, () => IcedInstruction> = {
  pusha: () => Instruction.create(Code.Pushaw),
  popa: () => Instruction.create(Code.Popaw),
  ret: () => Instruction.create(Code.Retnw),
  lodsb: () => Instruction.createLodsb(16, Register.None, RepPrefixKind.None),
  rep_movsb: () => Instruction.createRepMovsb(16),
  rep_stosb: () => Instruction.createRepStosb(16),
};

/** Near branches keep asm.ts's names (`Jmp_rel32_32`); in 16-bit code they are the rel16 forms. */
const branch16 = (code: string): string => code.replace("_rel32_32", "_rel16");

function icedReg(r: string): number {
  const v = (Register as unknown as Record<string, number>)[r.toUpperCase()];
  if (v === undefined) throw new AsmError(`unknown register ${r}`);
  return v;
}

/** The iced operand spellings an operand may match in 16-bit code, most specific first. */
function spellings(o: Operand, opSize: number): string[] {
  if (isReg(o)) {
    if (SREG.has(o)) return ["Sreg"];
    if (o.startsWith("cr")) return ["cr"];
    const s = regSize(o);
    const special = ({ eax: ["EAX"], ax: ["AX"], al: ["AL"], cl: ["CL"], dx: ["DX"] } as Record<string, string[]>)[o] ?? [];
    return [`r${s}`, `rm${s}`, `r32m${s}`, ...special];
  }
  if (isMem(o)) return o.size === 0 ? ["m1632_16", "m"] : [`rm${o.size}`, `r32m${o.size}`, `m${o.size}`, "m"];
  if (opSize === 8) return ["imm8"];
  const wide = opSize === 32 ? "imm32" : "imm16";
  if (isLabel(o)) return [wide]; // a label's address: always the full-width form
  const v = o as number;
  return v >= -128 && v <= 127 ? ["imm8", wide] : [wide];
}

/** The iced instruction for an `i(...)` item, labels resolved by `resolve`. */
function buildInstruction(mnemonic: string, ops: Operand[], line: string, resolve: (l: LabelRef) => number): IcedInstruction {
  if (SPECIAL[mnemonic]) {
    if (ops.length) throw new AsmError(`'${line}' takes no operands`);
    return SPECIAL[mnemonic]();
  }
  const C = Code as unknown as Record<string, number>;
  const M = mnemonic[0].toUpperCase() + mnemonic.slice(1);
  const first = ops.find((o) => isReg(o) || isMem(o));
  const opSize = first === undefined ? 16 : isReg(first) ? regSize(first) || 16 : (first as Mem).size || 16;
  const cands = ops.map((o) => spellings(o, opSize));
  let code: number | undefined;
  const search = (i: number, acc: string[]): boolean => {
    if (i === cands.length) { code = C[[M, ...acc].join("_")]; return code !== undefined; }
    return cands[i].some((c) => search(i + 1, [...acc, c]));
  };
  if (!search(0, [])) throw new AsmError(`no 16-bit encoding for '${line}'`);
  const vals = ops.map((o) => {
    if (isReg(o)) return { reg: icedReg(o) };
    if (isMem(o)) {
      const labelled = isLabel(o.disp as Operand);
      const disp = o.disp === undefined ? 0 : labelled ? resolve(o.disp as LabelRef) : (o.disp as number);
      // No base: an absolute 16-bit address. With a base: 32-bit addressing, disp32 for labels.
      const size = !o.base ? 2 : labelled ? 4 : disp === 0 ? 0 : disp >= -128 && disp <= 127 ? 1 : 4;
      if (!o.base && (disp < 0 || disp > 0xffff)) throw new AsmError(`'${line}': address 0x${disp.toString(16)} is beyond real mode's 64 KiB segment`);
      return { mem: MemoryOperand.createBaseIndexScaleDisplSize(o.base ? icedReg(o.base) : Register.None, o.index ? icedReg(o.index) : Register.None, o.scale ?? 1, BigInt(disp | 0), size) };
    }
    return { imm: isLabel(o) ? resolve(o) : (o as number) };
  });
  const kinds = vals.map((v) => ("reg" in v ? "Reg" : "mem" in v ? "Mem" : "I32")).join("");
  const I = Instruction as unknown as Record<string, (...a: unknown[]) => IcedInstruction>;
  const fn = kinds === "" ? "create" : `create${kinds}`;
  if (!I[fn]) throw new AsmError(`no constructor ${fn} for '${line}'`);
  return I[fn](code, ...vals.map((v) => ("reg" in v ? v.reg : "mem" in v ? v.mem : v.imm! | 0)));
}

/** One item's bytes at `addr` (labels resolved by `resolve`); instructions marked in `starts`. */
function encodeItem(it: Item, addr: number, pass: number, resolve: (l: LabelRef) => number, enc: InstanceType<typeof Encoder>, starts: Set<number>): Uint8Array {
  const C = Code as unknown as Record<string, number>;
  switch (it.kind) {
    case "label": return new Uint8Array(0);
    case "align": return new Uint8Array((it.n - (addr % it.n)) % it.n).fill(it.fill);
    case "bytes": return it.data;
    case "computed": throw new AsmError("computed items are not supported in 16-bit sections");
    case "dd": {
      const b = new Uint8Array(4 * it.values.length), dv = new DataView(b.buffer);
      it.values.forEach((v, i) => dv.setUint32(4 * i, typeof v === "number" ? v >>> 0 : resolve(v), true));
      return b;
    }
  }
  let ins: IcedInstruction;
  if (it.kind === "branch") {
    const code = C[branch16(it.code)];
    if (code === undefined) throw new AsmError(`no 16-bit form of '${it.line}'`);
    const target = resolve({ label: it.target, add: 0 });
    ins = Instruction.createBranch(code, BigInt(pass === 1 ? addr : target)); // rel16 either way: pass 1 only measures
  } else if (it.kind === "far") {
    ins = Instruction.createFarBranch(Code.Jmp_ptr1616, it.selector, resolve({ label: it.target, add: 0 }));
  } else ins = buildInstruction(it.mnemonic, it.ops, it.line, resolve);
  try {
    const len = enc.encode(ins, BigInt(addr));
    starts.add(addr);
    return enc.takeBuffer().slice(0, len);
  } catch (e) {
    throw new AsmError(`cannot encode '${it.line}': ${(e as Error).message ?? e}`);
  } finally { ins.free(); }
}

/**
 * Encodes 16-bit sections that may refer to each other's labels and to `symbols` (e.g. the labels
 * of 32-bit code assembled by asm.ts). Throws an AsmError on an undefined or duplicate label, an
 * operand with no 16-bit encoding, or a branch that does not land on an instruction.
 */
export function assemble16(sections: Section[], symbols: Map<string, number> = new Map()): { sections: Encoded[]; labels: Map<string, number> } {
  const labels = new Map<string, number>(symbols);
  const enc = new Encoder(16);
  try {
    const sizes: number[][] = sections.map(() => []);
    let out: Encoded[] = [];
    for (const pass of [1, 2]) {
      const resolve = (l: LabelRef): number => {
        const a = labels.get(l.label);
        if (a === undefined && pass === 2) throw new AsmError(`undefined label ${l.label}`);
        return a === undefined ? 0 : (a + l.add) >>> 0;
      };
      out = sections.map((s, si) => {
        let addr = s.base;
        const chunks: Uint8Array[] = [], insnStarts = new Set<number>(), listing: Encoded["listing"] = [];
        let pending: string | undefined;
        s.items.forEach((it, k) => {
          if (it.kind === "label") {
            if (pass === 1) { if (labels.has(it.name)) throw new AsmError(`duplicate label ${it.name}`); labels.set(it.name, addr); }
            pending = it.name;
            return;
          }
          const bytes = encodeItem(it, addr, pass, resolve, enc, insnStarts);
          if (pass === 1) sizes[si][k] = bytes.length;
          else if (sizes[si][k] !== bytes.length) throw new AsmError(`internal: '${"line" in it ? it.line : it.kind}' changed size between passes`);
          listing.push({ addr, len: bytes.length, text: "line" in it ? it.line : it.kind, label: pending, insn: "line" in it });
          pending = undefined;
          chunks.push(bytes);
          addr += bytes.length;
        });
        const bytes = new Uint8Array(addr - s.base);
        let p = 0;
        for (const c of chunks) { bytes.set(c, p); p += c.length; }
        return { name: s.name, base: s.base, bytes, insnStarts, itemAddrs: [], listing };
      });
    }
    checkNearBranches(out);
    return { sections: out, labels };
  } finally { enc.free(); }
}

/** Decodes the instruction at `addr` of section `s` (bitness 16 or 32) and calls `f` with it. */
function withInstruction<T>(s: Encoded, addr: number, bitness: number, f: (ins: IcedInstruction) => T): T {
  const off = addr - s.base;
  const d = new Decoder(bitness, s.bytes.subarray(off, off + 15), DecoderOptions.None);
  d.ip = BigInt(addr);
  const ins = d.decode();
  try { return f(ins); } finally { ins.free(); d.free(); }
}

/** Every near branch of 16-bit code must land on an instruction start of these sections. */
function checkNearBranches(out: Encoded[]): void {
  const starts = new Set<number>();
  for (const s of out) for (const a of s.insnStarts) starts.add(a);
  for (const s of out) {
    for (const a of s.insnStarts) {
      withInstruction(s, a, 16, (ins) => {
        const fc = ins.flowControl;
        if ((fc === FlowControl.UnconditionalBranch || fc === FlowControl.ConditionalBranch || fc === FlowControl.Call)
          && (ins.isJmpShortOrNear || ins.isJccShortOrNear || ins.isCallNear) && !starts.has(Number(ins.nearBranchTarget))) {
          throw new AsmError(`branch at 0x${a.toString(16)} targets 0x${Number(ins.nearBranchTarget).toString(16)}, not an instruction start`);
        }
      });
    }
  }
}

/**
 * Far jumps between code of different bitness (real mode → protected mode and back): every one
 * in `code` (sections with their bitness) must land on an instruction start of some section.
 */
export function checkFarJumps(code: { section: Encoded; bitness: 16 | 32 }[]): void {
  const starts = new Set<number>();
  for (const { section } of code) for (const a of section.insnStarts) starts.add(a);
  for (const { section, bitness } of code) {
    for (const a of section.insnStarts) {
      withInstruction(section, a, bitness, (ins) => {
        if (!ins.isJmpFar) return;
        const target = ins.op0Kind === OpKind.FarBranch16 ? ins.farBranch16 : ins.farBranch32;
        if (!starts.has(target)) throw new AsmError(`far jump at 0x${a.toString(16)} targets 0x${target.toString(16)}, not an instruction start`);
      });
    }
  }
}

/** A listing of sections of either bitness (addresses, bytes, label names, iced's formatting). */
export function listingMixed(code: { section: Encoded; bitness: 16 | 32 }[], labels: Map<string, number>): string {
  const names = new Map<number, string>();
  for (const [n, a] of labels) if (!names.has(a)) names.set(a, n);
  const fmt = new Formatter(FormatterSyntax.Nasm);
  const lines: string[] = [];
  try {
    for (const { section: s, bitness } of code) {
      lines.push(`; section ${s.name} at 0x${s.base.toString(16)} (${s.bytes.length} bytes, ${bitness}-bit)`);
      for (const e of s.listing) {
        if (e.label) lines.push(`${e.label}:`);
        if (e.len === 0) continue;
        const raw = s.bytes.subarray(e.addr - s.base, e.addr - s.base + e.len);
        const text = e.insn ? withInstruction(s, e.addr, bitness, (ins) => fmt.format(ins)) : e.text;
        const hex = [...raw.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
        lines.push(`  ${e.addr.toString(16).padStart(8, "0")}  ${hex.padEnd(17)} ${text}`);
      }
    }
  } finally { fmt.free(); }
  return lines.join("\n") + "\n";
}
