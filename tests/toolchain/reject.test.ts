// Every construct the kernel VM does not support is rejected at build time, at the user's line,
// with exit code 2: what needs a managed heap (or growable memory) by asc's reject check
// (toolchain/reject.ts), `<file.ts>:<line>:<col>: error: <what>; <what to use> (in <function>)`,
// the rest by the translator, `<file.ts>:<line>:<col>: error: <what> is not supported by the
// kernel VM (in <function>)`.
import { describe, it, expect } from "vitest";
import path from "node:path";
import { buildProgram } from "../../toolchain/build.ts";
import { KtError } from "../../toolchain/errors.ts";
import { REJECTED } from "../../toolchain/reject.ts";
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

/**
 * One program per construct: where the construct starts (line:col of the user's file), the
 * message from the table and the function it is in.
 */
const HEAP_CASES: { name: string; source: string; at: string; what: string; fn?: string }[] = [
  {
    name: "new_array.ts",
    source: "export function kmain(): void {\n  const xs = new Array<u32>(4);\n  store<u32>(0x400000, xs.length);\n}\n",
    at: "2:14", what: REJECTED.newLibrary("new Array<u32>"),
  },
  {
    name: "array_literal.ts",
    source: "export function kmain(): void {\n  const xs: u32[] = [1, 2, load<u32>(0x400000)];\n  store<u32>(0x400000, xs[1]);\n}\n",
    at: "2:21", what: REJECTED.arrayLiteral(),
  },
  {
    name: "static_array_local.ts",
    source: "export function kmain(): void {\n  const t: StaticArray<u32> = [1, 2, 3];\n  store<u32>(0x400000, t[load<u32>(0x400004)]);\n}\n",
    at: "2:31", what: REJECTED.arrayLiteral(),
  },
  {
    name: "object_literal.ts",
    source: "class Point { x: i32 = 0; y: i32 = 0; }\nexport function kmain(): void {\n  const p: Point = { x: 1, y: 2 };\n  store<i32>(0x400000, p.x);\n}\n",
    at: "3:20", what: REJECTED.objectLiteral(),
  },
  {
    name: "new_managed.ts",
    source: "class Counter { n: i32 = 0; }\nexport function kmain(): void {\n  const c = new Counter();\n  store<i32>(0x400000, c.n);\n}\n",
    at: "3:13", what: REJECTED.newManaged("new Counter", "Counter"),
  },
  {
    name: "new_unmanaged.ts",
    source: "@unmanaged class Header { size: u32 = 0; }\nexport function kmain(): void {\n  const h = new Header();\n  store<u32>(0x400000, h.size);\n}\n",
    at: "3:13", what: REJECTED.newUnmanaged("new Header", "Header"),
  },
  {
    name: "new_top_level.ts",
    source: "class Counter { n: i32 = 0; }\nconst C = new Counter();\nexport function kmain(): void { store<i32>(0x400000, C.n); }\n",
    at: "2:11", what: REJECTED.newManaged("new Counter", "Counter"), fn: "the start function",
  },
  {
    name: "new_map.ts",
    source: "export function kmain(): void {\n  const m = new Map<u32, u32>();\n  store<u32>(0x400000, <u32>m.size);\n}\n",
    at: "2:13", what: REJECTED.newLibrary("new Map<u32, u32>"),
  },
  {
    name: "string_concat.ts",
    source: "export function kmain(): void {\n  const a = load<u32>(0x400000) ? \"on\" : \"off\";\n  const s = \"power \" + a;\n  store<i32>(0x400000, s.length);\n}\n",
    at: "3:13", what: REJECTED.concat(),
  },
  {
    name: "string_concat_assign.ts",
    source: "export function kmain(): void {\n  let s = \"a\";\n  if (load<u32>(0x400000)) s += \"b\";\n  store<i32>(0x400000, s.length);\n}\n",
    at: "3:28", what: REJECTED.concat(),
  },
  {
    name: "template_string.ts",
    source: "export function kmain(): void {\n  const n = load<i32>(0x400000);\n  const s = `n = ${n}`;\n  store<i32>(0x400000, s.length);\n}\n",
    at: "3:13", what: REJECTED.template(),
  },
  {
    name: "closure.ts",
    source: "function apply(f: () => i32): i32 { return f(); }\nexport function kmain(): void {\n  const n = load<i32>(0x400000);\n  store<i32>(0x400000, apply(() => n + 1));\n}\n",
    at: "4:36", what: REJECTED.closure("n"), fn: "a function expression in kmain",
  },
  {
    name: "memory_grow.ts",
    source: "export function kmain(): void {\n  memory.grow(1);\n}\n",
    at: "2:3", what: REJECTED.memoryGrow(),
  },
  {
    name: "memory_size.ts",
    source: "export function kmain(): void {\n  store<i32>(0x400000, memory.size());\n}\n",
    at: "2:24", what: REJECTED.memorySize(),
  },
  {
    name: "to_string.ts",
    source: "export function kmain(): void {\n  const s = load<i32>(0x400000).toString();\n  store<i32>(0x400000, s.length);\n}\n",
    at: "2:13", what: REJECTED.libraryString("I32#toString"),
  },
  {
    name: "substring.ts",
    source: "export function kmain(): void {\n  const s = \"kernel\".substring(load<i32>(0x400000));\n  store<i32>(0x400000, s.length);\n}\n",
    at: "2:13", what: REJECTED.libraryString("String#substring"),
  },
  {
    name: "array_push.ts",
    source: "const A: u32[] = [1, 2, 3];\nexport function kmain(): void {\n  A.push(load<u32>(0x400000));\n  store<u32>(0x400000, A.length);\n}\n",
    at: "3:3", what: REJECTED.library("Array<u32>#push"),
  },
  {
    name: "try_catch.ts",
    source: "export function kmain(): void {\n  try { store<u32>(0x400000, 1); } catch (e) { store<u32>(0x400000, 2); }\n}\n",
    at: "2:3", what: REJECTED.tryCatch(),
  },
  {
    name: "inline_fn.ts",
    source: "@inline function pair(): u32[] { return [1, 2]; }\nexport function kmain(): void {\n  store<u32>(0x400000, pair()[load<u32>(0x400004)]);\n}\n",
    at: "1:41", what: REJECTED.arrayLiteral(), fn: "pair",
  },
];

describe("asc › constructs that need a managed heap", () => {
  for (const c of HEAP_CASES) {
    it(`rejects ${c.name.replace(".ts", "")} at the user's line with exit code 2`, async () => {
      const e = await buildError(c.name, c.source);
      expect(e.code).toBe(2);
      expect(lines(e)[0]).toBe(`${c.name}:${c.at}: error: ${c.what} (in ${c.fn ?? "kmain"})`);
    });
  }

  it("reports each construct once, in the file that holds it, in source order", async () => {
    writeProgram("helper_label.ts", "export function label(n: i32): string {\n  return \"n\" + n.toString();\n}\n");
    const e = await buildError("uses_helper.ts", "import { label } from \"./helper_label\";\nexport function kmain(): void {\n  store<i32>(0x400000, label(1).length + label(2).length);\n}\n");
    expect(e.code).toBe(2);
    expect(lines(e)).toEqual([
      `helper_label.ts:2:10: error: ${REJECTED.concat()} (in label)`,
      `helper_label.ts:2:16: error: ${REJECTED.libraryString("I32#toString")} (in label)`,
    ]);
  });

  it("names one generic function once for all its instances", async () => {
    const e = await buildError("generic_new.ts", "function make<T>(): Array<T> { return new Array<T>(2); }\nexport function kmain(): void {\n  store<i32>(0x400000, make<u32>().length + make<u8>().length);\n}\n");
    expect(lines(e)).toEqual([`generic_new.ts:1:39: error: ${REJECTED.newLibrary("new Array<T>")} (in make<u32>)`]);
  });

  it("leaves string literals, StaticArray constants and memory.data alone", async () => {
    const file = writeProgram("static_ok.ts", OUTB + "const T: StaticArray<u32> = [0x41, 0x42];\nconst D = memory.data<u8>([0x43, 0x44]);\nconst S = \"E\";\n" +
      "export function kmain(): void {\n  outb(0x3f8, T[load<u8>(0x400000)]); outb(0x3f8, load<u8>(D + 1)); outb(0x3f8, S.charCodeAt(0));\n}\n");
    await expect(buildProgram(file)).resolves.toBeTruthy();
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
});
