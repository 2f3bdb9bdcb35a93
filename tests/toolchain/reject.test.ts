// Every construct the kernel VM does not support is rejected at build time with
// `<file.ts>:<line>:<col>: error: <what> is not supported by the kernel VM (in <function>)`.
import { describe, it, expect } from "vitest";
import path from "node:path";
import { buildProgram } from "../../toolchain/build.ts";
import { KtError } from "../../toolchain/errors.ts";
import { writeProgram } from "../lib/tmp.ts";

const OUTB = `@external("kernel", "outb") declare function outb(port: u32, v: u32): void;\n`;

async function buildError(name: string, source: string): Promise<KtError> {
  const file = writeProgram(name, source);
  try {
    await buildProgram(file);
  } catch (e) {
    if (e instanceof KtError) return e;
    throw e;
  }
  throw new Error(`${name} built, but it should have been rejected`);
}

/** The diagnostic for the program, with the directory of the temp file stripped. */
function lines(e: KtError): string[] {
  return e.message.split("\n").map((l) => l.replace(/^.*?([^/]+\.ts:)/, "$1"));
}

const CASES: { name: string; source: string; expect: string }[] = [
  {
    name: "float_arith.ts",
    source: OUTB + "function half(x: f64): f64 { return x / 2.5; }\nexport function kmain(): void {\n  outb(0x3f8, <u32>half(<f64>load<u32>(0x400000)));\n}\n",
    expect: "float_arith.ts:4:25: error: floating-point arithmetic (f32/f64) is not supported by the kernel VM (in kmain)",
  },
  {
    name: "float_param.ts",
    source: OUTB + "@inline function id(x: f32): f32 { return x; }\nexport function get(x: f32): f32 { return x * 2; }\nexport function kmain(): void { outb(0x3f8, 1); }\n",
    expect: "error: floating-point values (f32/f64) is not supported by the kernel VM (in get)",
  },
  {
    name: "i64_arith.ts",
    source: OUTB + "export function kmain(): void {\n  let a: u64 = <u64>load<u32>(0x400000) * 0x100000000;\n  outb(0x3f8, <u32>(a >> 32));\n}\n",
    expect: "i64_arith.ts:3:16: error: 64-bit integers (i64) is not supported by the kernel VM (in kmain)",
  },
  {
    name: "new_object.ts",
    source: "class Foo { x: i32 = 0; }\nexport function kmain(): void {\n  let f = new Foo();\n  store<i32>(0x400000, f.x);\n}\n",
    expect: "error: managed allocation (`new`, string concatenation, dynamic arrays) is not supported by the kernel VM (in kmain)",
  },
  {
    name: "memory_grow.ts",
    source: "export function kmain(): void {\n  memory.grow(1);\n}\n",
    expect: "memory_grow.ts:2:15: error: memory.grow (managed allocation: `new`, string concatenation, dynamic arrays) is not supported by the kernel VM (in kmain)",
  },
  {
    name: "memory_size.ts",
    source: "export function kmain(): void {\n  store<i32>(0x400000, memory.size());\n}\n",
    expect: "memory_size.ts:2:24: error: memory.size is not supported by the kernel VM (in kmain)",
  },
  {
    name: "unknown_import.ts",
    source: `@external("env", "seed") declare function seed(): i32;\nexport function kmain(): void { store<i32>(0x400000, seed()); }\n`,
    expect: "unknown_import.ts:2:54: error: the import env.seed is not supported by the kernel VM (in kmain)",
  },
  {
    name: "bad_intrinsic_signature.ts",
    source: `@external("kernel", "outb") declare function outb(port: u32): void;\nexport function kmain(): void { outb(load<u32>(0x400000)); }\n`,
    expect: "bad_intrinsic_signature.ts:2:33: error: the import kernel.outb with this signature is not supported by the kernel VM (in kmain)",
  },
];

describe("translator › rejected constructs", () => {
  for (const c of CASES) {
    it(`rejects ${c.name.replace(".ts", "")} with a diagnostic and exit code 2`, async () => {
      const e = await buildError(c.name, c.source);
      expect(e.code).toBe(2);
      const got = lines(e);
      expect(got.some((l) => l.endsWith(c.expect)), `got:\n${got.join("\n")}`).toBe(true);
    });
  }

  it("rejects SIMD (asc refuses v128 unless the feature is enabled) with file:line:col", async () => {
    const e = await buildError("simd.ts", "export function kmain(): void { let v = v128.splat<i32>(load<i32>(0x400000)); v128.store(0x400010, v); }\n");
    expect(e.code).toBe(2);
    expect(lines(e)[0]).toBe("simd.ts:1:41: error: TS103: Feature 'simd' is not enabled.");
  });

  it("reports a syntax error as file:line:col", async () => {
    const e = await buildError("syntax.ts", "export function kmain(): void {\n  let x: i32 = ;\n}\n");
    expect(e.code).toBe(2);
    expect(lines(e)[0]).toBe("syntax.ts:2:16: error: TS1109: Expression expected.");
  });

  it("requires kmain(): void", async () => {
    let e = await buildError("no_kmain.ts", "export function main(): void {}\n");
    expect(e.message).toMatch(/no_kmain\.ts: error: the program exports no function kmain\(\)$/);
    e = await buildError("kmain_args.ts", "export function kmain(x: i32): void {}\n");
    expect(e.message).toMatch(/kmain must be declared kmain\(\): void$/);
  });

  it("names a missing file in one line", async () => {
    const missing = path.join(path.dirname(writeProgram("exists.ts", "")), "missing.ts");
    await expect(buildProgram(missing)).rejects.toThrow(/missing\.ts: no such file$/);
  });
});

describe("translator › 64-bit copies", () => {
  it("accepts an 8-byte memory.copy, which binaryen turns into i64.load + i64.store", async () => {
    const file = writeProgram("copy8.ts", `@external("kernel", "outb") declare function outb(port: u32, v: u32): void;
export function kmain(): void {
  store<u32>(0x400000, 0x64636261); store<u32>(0x400004, 0x68676665);
  memory.copy(0x400010 + load<u8>(0x400100), 0x400000 + load<u8>(0x400101), 8);
  for (let i = 0; i < 8; i++) outb(0x3f8, load<u8>(0x400010 + i));
}
`);
    const { runBoth } = await import("../lib/harness.ts");
    const r = await runBoth(file, 3);
    expect(r.wasm).toEqual({ stdout: "abcdefgh", code: 0 });
    expect(r.kbc).toEqual({ stdout: "abcdefgh", code: 0 });
  });

  it("still rejects any other use of a 64-bit value", async () => {
    const e = await buildError("i64_add_loaded.ts", "export function kmain(): void {\n  store<u64>(0x400010, load<u64>(0x400000) + 1);\n}\n");
    expect(e.code).toBe(2);
    expect(lines(e).join("\n")).toMatch(/i64_add_loaded\.ts:2:\d+: error: 64-bit integers \(i64\) is not supported by the kernel VM \(in kmain\)/);
  });
});
