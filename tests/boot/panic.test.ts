// The guest's panic path: VM traps and CPU exceptions print `PANIC: <reason> at <file.ts>:<line>`
// and one `  at <function> (<file.ts>:<line>)` line per VM frame, then exit with code 3 — the same
// bytes as on the host wherever the host can raise the same fault.
import { describe, it, expect } from "vitest";
import { buildProgram } from "../../toolchain/build.ts";
import { runBuiltKbc, runBuiltWasm } from "../lib/harness.ts";
import { runInV86 } from "../lib/guest.ts";
import { writeProgram } from "../lib/tmp.ts";

const HEAD = `import { outb, hlt } from "kernel-ts/arch";\n`;

const CASES: { name: string; source: string; expected: string }[] = [
  {
    name: "null_funcref.ts",
    source: HEAD + `function add1(x: i32): i32 { return x + 1; }
let handler: (x: i32) => i32 = add1;
function dispatch(x: i32): i32 {
  // Memory is zero, so this picks a reference whose table index is 0: the null slot.
  const f = load<u32>(0x400000) == 0 ? changetype<(x: i32) => i32>(0x400004) : handler;
  return f(x);
}
export function kmain(): void {
  outb(0x3f8, 65 + dispatch(load<i32>(0x400000)));
}
`,
    expected: "PANIC: indirect call: null or wrong signature at null_funcref.ts:7\n  at kmain (null_funcref.ts:7)\n",
  },
  {
    name: "unbounded_recursion.ts",
    source: HEAD + `function down(n: i32): i32 {
  return down(n + 1) + 1;
}
export function kmain(): void {
  outb(0x3f8, down(load<i32>(0x400000)));
}
`,
    expected: "PANIC: stack overflow at unbounded_recursion.ts:3\n" + "  at down (unbounded_recursion.ts:3)\n".repeat(16) + "  ...\n",
  },
  {
    name: "assert_fails.ts",
    source: HEAD + `function check(v: i32): void {
  assert(v == 42, "value is not 42");
}
export function kmain(): void {
  outb(0x3f8, 66);
  check(load<i32>(0x400000));
}
`,
    expected: "BPANIC: value is not 42 at assert_fails.ts:3\n  at kmain (assert_fails.ts:3)\n",
  },
];

describe("boot › panics in the guest", () => {
  for (const c of CASES) {
    it(`${c.name.replace(".ts", "")}: same report in the guest as under V8 and the host VM`, async () => {
      const built = await buildProgram(writeProgram(`panic/${c.name}`, c.source));
      // The same report from the interpreter and from compiled code (the compiling tier maps
      // every compiled return address and trapping instruction back to its kbc instruction).
      for (const jit of ["off", "lazy", "eager"] as const) {
        const guest = await runInV86(built.kbc, c.name, { jit });
        expect(guest.stdout, `--jit ${jit}`).toBe(c.expected);
        expect(guest.code, `--jit ${jit}`).toBe(3);
      }
      expect(runBuiltKbc(built)).toEqual({ stdout: c.expected, code: 3 });
      expect(runBuiltWasm(built)).toEqual({ stdout: c.expected, code: 3 });
    });
  }

  const CPU = HEAD + `function poke(): void {
  hlt();
}
export function kmain(): void {
  outb(0x3f8, 67);
  poke();
}
`;
  for (const [fault, name] of [["ud", "#UD invalid opcode (vector 6"], ["de", "#DE divide error (vector 0"]] as const) {
    it(`a CPU ${fault === "ud" ? "#UD" : "#DE"} inside a handler names the kbc instruction's line`, async () => {
      const built = await buildProgram(writeProgram(`panic/cpu_${fault}.ts`, CPU));
      // In compiled code too: the exception's eip is mapped back to the instruction.
      for (const jit of ["off", "lazy", "eager"] as const) {
        const guest = await runInV86(built.kbc, `cpu_${fault}.ts`, { inject: { op: "HLT", fault }, jit });
        expect(guest.stdout, `--jit ${jit}`).toBe(`CPANIC: CPU exception ${name}, error code 0x00000000) at cpu_${fault}.ts:3\n  at kmain (cpu_${fault}.ts:3)\n`);
        expect(guest.code, `--jit ${jit}`).toBe(3);
      }
    });
  }
});
