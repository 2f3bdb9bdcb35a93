// The i64 operators, exhaustively over pairs of edge values, in every engine: a generated program
// applies each operator to every pair of ~40 values (word boundaries, signs, 2^63, random
// magnitudes) and prints a checksum per operator and left operand; wasm under V8 is the oracle for
// kbc on the host and the x86 VM in v86 (the division routine's two paths, the shift and rotate
// counts past 32 and 64, the compares across 2^63). A mismatch names the operator and operand.
import { describe, it, expect, beforeAll } from "vitest";
import { buildProgram, type BuiltProgram } from "../../toolchain/build.ts";
import { runBuiltWasm, runBuiltKbc, type Outcome } from "../lib/harness.ts";
import { runInV86 } from "../lib/guest.ts";
import { writeProgram } from "../lib/tmp.ts";

const EDGES = [0n, 1n, 2n, 3n, 7n, 0x7fn, 0x80n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x100000001n, 0x1ffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x8000000000000001n, -1n, -2n, -3n,
  -0x80000000n, -0x100000000n, -0x7fffffffffffffffn, 31n, 32n, 33n, 63n, 64n, 65n, 127n];
// Random magnitudes from 2^8 to 2^64 (a fixed xorshift, so the program never changes).
let seed = 0x9e3779b9;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return BigInt(seed); };
const VALUES = [...EDGES];
for (let bits = 8; bits <= 64; bits += 7) VALUES.push(BigInt.asIntN(64, ((rnd() << 32n) | rnd()) & ((1n << BigInt(bits)) - 1n)));

const BINARY = ["+", "-", "*", "&", "|", "^", "<<", ">>", ">>>", "rotl", "rotr", "divs", "divu", "rems", "remu",
  "==", "!=", "<s", "<u", ">s", ">u", "<=s", "<=u", ">=s", ">=u"];
const UNARY = ["clz", "ctz", "popcnt", "eqz", "ext8", "ext16", "ext32", "wrap"];

function expr(op: string): string {
  switch (op) {
    case "rotl": return "rotl<u64>(a, b)";
    case "rotr": return "rotr<u64>(a, b)";
    case "divs": return "<u64>(<i64>a / <i64>b)";
    case "divu": return "a / b";
    case "rems": return "<u64>(<i64>a % <i64>b)";
    case "remu": return "a % b";
    case ">>": return "<u64>(<i64>a >> <i64>b)";
    case ">>>": return "a >> b";
    case "clz": return "clz<u64>(a)";
    case "ctz": return "ctz<u64>(a)";
    case "popcnt": return "popcnt<u64>(a)";
    case "eqz": return "<u64>(a == 0)";
    case "ext8": return "<u64><i64><i8>a";
    case "ext16": return "<u64><i64><i16>a";
    case "ext32": return "<u64><i64><i32>a";
    case "wrap": return "<u64><u32>a";
    default: {
      const m = /^(<=|>=|<|>|==|!=)([su]?)$/.exec(op);
      if (m) return m[2] === "s" ? `<u64>(<i64>a ${m[1]} <i64>b)` : `<u64>(a ${m[1]} b)`;
      return `a ${op} b`;
    }
  }
}

function program(): string {
  const lines = [
    `@external("kernel", "outb") declare function outb(port: u32, v: u32): void;`,
    `const T: usize = 0x400000;`,
    `const N: u32 = ${VALUES.length};`,
    `function hex(v: u64): void { for (let i = 60; i >= 0; i -= 4) { const d = <u32>(v >> <u64>i) & 15; outb(0x3f8, d < 10 ? 48 + d : 87 + d); } }`,
    `function put(s: string): void { for (let i = 0; i < s.length; i++) outb(0x3f8, s.charCodeAt(i)); }`,
    `@inline function mixin(h: u64, v: u64): u64 { return (h ^ v) * 0x100000001b3 + (v >> 29); }`,
  ];
  for (const op of [...BINARY, ...UNARY]) {
    const fn = `op_${[...BINARY, ...UNARY].indexOf(op)}`;
    const isDiv = op.startsWith("div") || op.startsWith("rem");
    const guard = isDiv ? `if (b == 0${op === "divs" ? " || (a == 0x8000000000000000 && b == 0xFFFFFFFFFFFFFFFF)" : ""}) continue;` : "";
    lines.push(
      `@inline function ${fn}_f(a: u64, b: u64): u64 { return ${expr(op)}; }`,
      `function ${fn}(): void {`,
      `  for (let i: u32 = 0; i < N; i++) {`,
      `    const a = load<u64>(T + 8 * i); let h: u64 = 0xcbf29ce484222325;`,
      UNARY.includes(op) ? `    h = mixin(h, ${fn}_f(a, 0));` : `    for (let j: u32 = 0; j < N; j++) { const b = load<u64>(T + 8 * j); ${guard} h = mixin(h, ${fn}_f(a, b)); }`,
      `    put("${op} "); hex(a); put(" "); hex(h); outb(0x3f8, 10);`,
      `  }`,
      `}`);
  }
  lines.push(`export function kmain(): void {`);
  VALUES.forEach((v, i) => lines.push(`  store<u64>(T + ${8 * i}, 0x${BigInt.asUintN(64, v).toString(16)});`));
  [...BINARY, ...UNARY].forEach((_, i) => lines.push(`  op_${i}();`));
  lines.push(`}`);
  return lines.join("\n") + "\n";
}

let built: BuiltProgram;
let oracle: Outcome;
beforeAll(async () => {
  built = await buildProgram(writeProgram("i64_ops.ts", program()));
  oracle = runBuiltWasm(built);
});

/** The first differing line, which names the operator and its left operand. */
function firstDifference(a: string, b: string): string {
  const la = a.split("\n"), lb = b.split("\n");
  const i = la.findIndex((l, k) => l !== lb[k]);
  return i < 0 ? "none" : `V8 ${JSON.stringify(la[i])}, got ${JSON.stringify(lb[i] ?? "<end>")}`;
}

describe("i64 operators over edge values", () => {
  it("prints a checksum line for every operator and left operand under V8", () => {
    expect(oracle.code).toBe(0);
    expect(oracle.stdout.split("\n").length - 1).toBe((BINARY.length + UNARY.length) * VALUES.length);
  });

  it("agrees with V8 on the host kbc interpreter", () => {
    const kbc = runBuiltKbc(built);
    expect(kbc.stdout === oracle.stdout, firstDifference(oracle.stdout, kbc.stdout)).toBe(true);
    expect(kbc.code).toBe(0);
  });

  it("agrees with V8 in the guest's x86 VM", async () => {
    const guest = await runInV86(built.kbc, "i64_ops.ts");
    expect(guest.stdout === oracle.stdout, firstDifference(oracle.stdout, guest.stdout)).toBe(true);
    expect(guest.code).toBe(0);
  });
});
