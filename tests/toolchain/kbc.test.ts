// The kbc format: the opcode table and everything derived from it or checked against it, the
// .kbc file format, the verifier and the disassembler.
import { describe, it, expect, beforeAll } from "vitest";
import fs from "node:fs";
import { OPCODES, Op, FIELD_KINDS, TRAP_CODES, INSN_BYTES, INSN_WORDS, MAX_FRAME_SLOTS, word0 } from "../../toolchain/kbc/opcodes.ts";
import { TRAP, KtError } from "../../toolchain/errors.ts";
import { encodeKbc, decodeKbc, type KbcModule } from "../../toolchain/kbc/module.ts";
import { verifyKbc } from "../../toolchain/kbc/verify.ts";
import { disassemble } from "../../toolchain/kbc/disasm.ts";
import { updateDoc } from "../../toolchain/kbc/docs.ts";
import { buildProgram, loadKbc } from "../../toolchain/build.ts";
import { writeProgram } from "../lib/tmp.ts";

const PROGRAM = `
@external("kernel", "outb") declare function outb(port: u32, v: u32): void;
let table: (x: i32) => i32 = (x: i32): i32 => x + 1;
function pick(n: i32): i32 {
  switch (n) { case 0: return 10; case 1: return 11; case 2: return 12; case 3: return 13; default: return n > 100 ? pick(n - 100) : 99; }
}
export function kmain(): void {
  for (let i = 0; i < 5; i++) outb(0x3f8, 48 + pick(load<i32>(0x400000) + i) % 10);
  outb(0x3f8, 48 + table(load<i32>(0x400000)));
}
`;

let mod: KbcModule;
beforeAll(async () => { mod = (await buildProgram(writeProgram("kbc_sample.ts", PROGRAM))).kbc; });

const clone = (m: KbcModule): KbcModule => decodeKbc(encodeKbc(m));

describe("kbc › opcode table", () => {
  it("has unique names, well-formed formats and fits a byte", () => {
    expect(OPCODES.length).toBeLessThanOrEqual(256);
    expect(new Set(OPCODES.map((o) => o.name)).size).toBe(OPCODES.length);
    for (const o of OPCODES) {
      expect(o.format, o.name).toHaveLength(4);
      for (const k of o.format) expect(FIELD_KINDS, `${o.name}: field kind ${k}`).toContain(k);
      expect(o.format[1] === "s", `${o.name}: a short target fills B and C`).toBe(o.format[2] === "s");
      expect(o.format.slice(0, 1).concat(o.format.slice(3)).includes("s"), o.name).toBe(false);
    }
    for (const o of OPCODES) if (o.intrinsic) expect(o.params, o.name).toBeTypeOf("number");
  });

  it("derives its constants from each other", () => {
    expect(INSN_WORDS * 4).toBe(INSN_BYTES);
    expect(MAX_FRAME_SLOTS).toBe(1 << 8); // slot fields are bytes
    expect(word0(Op.ADD, 1, 2, 3)).toBe(Op.ADD | (1 << 8) | (2 << 16) | (3 << 24));
    for (const t of TRAP_CODES) expect(TRAP[t], t).toBeTypeOf("string");
  });

  it("is implemented, opcode by opcode, by the host interpreter", () => {
    const src = fs.readFileSync("toolchain/kbc/interp.ts", "utf8");
    for (const o of OPCODES) {
      const local = o.name === "TRAP" ? "TRAPOP" : o.name;
      expect(src, o.name).toMatch(new RegExp(`case ${local}:`));
    }
  });

  it("matches the generated list in docs/kbc.md (run npm run gen:docs)", () => {
    const doc = fs.readFileSync("docs/kbc.md", "utf8");
    expect(updateDoc(doc)).toBe(doc);
  });
});

describe("kbc › file format", () => {
  it("round-trips a module", () => {
    const back = decodeKbc(encodeKbc(mod));
    expect(back.functions).toEqual(mod.functions);
    expect([...back.code]).toEqual([...mod.code]);
    expect(back.table).toEqual(mod.table);
    expect(back.lines).toEqual(mod.lines);
    expect(back.data.map((d) => [d.addr, [...d.bytes]])).toEqual(mod.data.map((d) => [d.addr, [...d.bytes]]));
    expect(back.entry).toBe(mod.entry);
  });

  it("rejects malformed files with one line", () => {
    const bytes = encodeKbc(mod);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(3), /malformed kbc module: size/],
      [new Uint8Array(16), /bad magic/],
      [bytes.slice(0, bytes.length - 8), /malformed kbc module/],
      [Uint8Array.from([...bytes, 0, 0, 0, 0]), /trailing bytes/],
    ];
    for (const [b, re] of cases) {
      let err: unknown;
      try { decodeKbc(b); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(KtError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain("\n");
    }
  });
});

describe("kbc › verifier", () => {
  const fnOf = (m: KbcModule, name: string) => m.functions.find((f) => f.name.endsWith(name))!;
  const firstOp = (m: KbcModule, f: { start: number; length: number }, names: string[]) => {
    for (let pc = f.start; pc < f.start + f.length; pc++) if (names.includes(OPCODES[m.code[2 * pc] & 0xff].name)) return pc;
    throw new Error(`no ${names} in function`);
  };

  it("accepts what the translator emits", () => { expect(verifyKbc(mod)).toEqual([]); });

  it("rejects a branch target outside the function (32-bit and 16-bit targets)", () => {
    for (const kind of ["t", "s"]) {
      const m = clone(mod);
      const f = fnOf(m, "kmain");
      const pc = firstOp(m, f, OPCODES.filter((o) => o.format.includes(kind)).map((o) => o.name));
      if (kind === "t") m.code[2 * pc + 1] = 100000;
      else m.code[2 * pc] = (m.code[2 * pc] & 0xffff) | (0x7fff << 16);
      expect(verifyKbc(m).join(), kind).toMatch(/branch target .* outside the function/);
    }
  });

  it("rejects a slot outside the frame", () => {
    const m = clone(mod); const f = fnOf(m, "kmain"); const pc = firstOp(m, f, ["CONST"]);
    m.code[2 * pc] = word0(Op.CONST, f.frameSize);
    expect(verifyKbc(m).join()).toMatch(/slot \d+ outside the frame/);
  });

  it("rejects a call to a function that does not exist", () => {
    const m = clone(mod); const pc = firstOp(m, fnOf(m, "kmain"), ["CALL"]);
    m.code[2 * pc + 1] = m.functions.length;
    expect(verifyKbc(m).join()).toMatch(/function \d+ out of range/);
  });

  it("rejects a call window outside the frame", () => {
    const m = clone(mod); const f = fnOf(m, "kmain"); const pc = firstOp(m, f, ["CALL"]);
    m.code[2 * pc] = (m.code[2 * pc] & ~0xff00) | (f.frameSize << 8);
    expect(verifyKbc(m).join()).toMatch(/CALL A slot \d+ outside the frame/);
  });

  it("rejects a br_table entry that is not a jump", () => {
    const m = clone(mod); const pc = firstOp(m, fnOf(m, "pick"), ["BRTABLE"]);
    m.code[2 * (pc + 1)] = word0(Op.NOP); m.code[2 * (pc + 1) + 1] = 0;
    expect(verifyKbc(m).join()).toMatch(/BRTABLE entry is not a JMP/);
  });

  it("rejects a function whose control can fall off its end", () => {
    const m = clone(mod); const f = fnOf(m, "kmain");
    m.code[2 * (f.start + f.length - 1)] = word0(Op.NOP); m.code[2 * (f.start + f.length - 1) + 1] = 0;
    expect(verifyKbc(m).join()).toMatch(/fall off the end/);
  });

  it("rejects a bad table entry, unknown opcode and bad signature index", () => {
    let m = clone(mod); m.table[0] = m.functions.length + 5;
    expect(verifyKbc(m).join()).toMatch(/table\[0\]/);
    m = clone(mod); m.code[2 * fnOf(m, "kmain").start] = 250;
    expect(verifyKbc(m).join()).toMatch(/unknown opcode 250/);
    m = clone(mod); m.functions[0].type = 99;
    expect(verifyKbc(m).join()).toMatch(/bad signature index/);
  });

  it("is applied when a .kbc file is loaded", () => {
    const m = clone(mod); m.table[0] = 1000;
    expect(() => loadKbc(encodeKbc(m), "bad.kbc")).toThrow(/^bad\.kbc: error: invalid kbc module: table\[0\]/);
  });
});

describe("kbc › disassembler", () => {
  it("lists every function with its instructions and TS lines", () => {
    const text = disassemble(mod);
    expect(text).toMatch(/^kmain {2}\(params 0, result 0, frame \d+ slots, entry\)$/m);
    expect(text).toMatch(/^pick {2}\(params 1, result 1/m);
    expect(text).toMatch(/BRTABLE/);
    expect(text).toMatch(/; kbc_sample\.ts:\d+$/m);
    const count = text.split("\n").filter((l) => /^ {2}\d{4} {2}/.test(l)).length;
    expect(count).toBe(mod.code.length / 2);
  });
});
