// The kt command line as users meet it: help, errors as one line with exit code 2, run/build/disasm.
import { describe, it, expect, beforeAll } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { kt } from "../lib/kt.ts";
import { writeProgram } from "../lib/tmp.ts";

const HELLO = `
@external("kernel", "outb") declare function outb(port: u32, v: u32): void;
@external("kernel", "exit") declare function exit(code: u32): void;
export function kmain(): void {
  const s = "hi from outside\\n";
  for (let i = 0; i < s.length; i++) outb(0x3f8, s.charCodeAt(i));
  exit(42);
}
`;
const PANICS = `
@external("kernel", "outb") declare function outb(port: u32, v: u32): void;
function div(a: i32, b: i32, n: i32): i32 {
  if (n > 0) return div(a, b, n - 1) + 1;
  return a / b;
}
export function kmain(): void {
  outb(0x3f8, 65);
  outb(0x3f8, div(10, load<i32>(0x400000), 2));
}
`;

let hello: string, panics: string;
beforeAll(() => {
  hello = writeProgram("cli/hello.ts", HELLO);
  panics = writeProgram("cli/panics.ts", PANICS);
});

const oneLine = (s: string) => s.trimEnd().split("\n").length === 1;

describe("kt › help", () => {
  it("prints the command list with --help and exits 0", () => {
    const r = kt(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["run", "build", "disasm"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
  });
  it("prints usage and exits 2 without a command", () => {
    const r = kt([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^usage: kt <command>/);
  });
  for (const c of ["run", "build", "disasm"]) {
    it(`has --help for ${c}`, () => {
      const r = kt([c, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: kt ${c}`));
    });
  }
});

describe("kt › bad input gets one line and exit code 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown command", ["frobnicate"], /^kt: unknown command 'frobnicate'/],
    ["unknown option", ["run", "--fast", "x.ts"], /^kt run: unknown option --fast \(see kt run --help\)$/],
    ["missing option value", ["run", "x.ts", "--memory"], /^kt run: --memory needs a value MB$/],
    ["non-numeric option", ["run", "x.ts", "--memory", "lots"], /^kt run: --memory takes a whole number, not 'lots'$/],
    ["missing program", ["run"], /^kt run: which program\?/],
    ["two programs", ["run", "a.ts", "b.ts"], /^kt run: one program at a time/],
    ["missing file", ["run", "nope.ts"], /^nope\.ts: no such file$/],
    ["wrong file type", ["run", "notes.txt"], /expected a \.ts program or a \.kbc module$/],
    ["profile without kbc", ["run", "x.ts", "--profile"], /^kt run: --profile needs --kbc$/],
  ];
  for (const [name, args, re] of cases) {
    it(name, () => {
      const r = kt(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd()).toMatch(re);
      expect(oneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at /); // never a JavaScript stack trace
    });
  }
  it("a malformed .kbc file", () => {
    const bad = writeProgram("cli/bad.kbc", "this is not bytecode!");
    const r = kt(["run", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/malformed kbc module/);
    expect(oneLine(r.stderr)).toBe(true);
  });
  it("a memory size too small for the program's data", () => {
    const r = kt(["run", hello, "--memory", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs 3 MiB of memory; --memory is 1/);
  });
});

describe("kt run", () => {
  it("runs a program kept outside the repository under V8, exit code passed through", () => {
    const r = kt(["run", hello], { cwd: path.dirname(hello) });
    expect(r.stdout).toBe("hi from outside\n");
    expect(r.code).toBe(42);
  });
  it("runs it as kbc with --kbc, byte for byte the same", () => {
    const r = kt(["run", "--kbc", hello]);
    expect(r.stdout).toBe("hi from outside\n");
    expect(r.code).toBe(42);
  });
  it("reports a panic with file:line and a backtrace, exit code 3, both ways", () => {
    const expected = "APANIC: integer divide by zero at panics.ts:5\n  at div (panics.ts:5)\n"
      + "  at div (panics.ts:4)\n  at div (panics.ts:4)\n  at kmain (panics.ts:9)\n";
    for (const args of [["run", panics], ["run", "--kbc", panics]]) {
      const r = kt(args);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe(expected);
    }
  });
  it("--profile prints executed instructions and opcode pairs on stderr", () => {
    const r = kt(["run", "--kbc", "--profile", hello]);
    expect(r.stdout).toBe("hi from outside\n");
    expect(r.stderr).toMatch(/^profile: \d+ kbc instructions executed$/m);
    expect(r.stderr).toMatch(/top opcode pairs:\n {4}[A-Z0-9]+ [A-Z0-9]+ +\d+/);
  });
});

describe("kt build and disasm", () => {
  it("writes a verified .kbc module that kt run executes", () => {
    const out = path.join(path.dirname(hello), "hello.kbc");
    const b = kt(["build", hello, "-o", out]);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/hello\.kbc: \d+ functions, \d+ kbc instructions \(\d+ bytes\)$/m);
    expect(fs.existsSync(out)).toBe(true);
    const r = kt(["run", out]);
    expect(r.stdout).toBe("hi from outside\n");
    expect(r.code).toBe(42);
    const d = kt(["disasm", out]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^kmain {2}\(params 0, result 0/m);
  });
  it("disassembles a .ts program with its source lines", () => {
    const d = kt(["disasm", panics]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^div {2}\(params \d, result 1, frame \d+ slots\)$/m);
    expect(d.stdout).toMatch(/; panics\.ts:5\n {2}\d{4} {2}DIVS /);
  });
});

describe("kt build › the guest image", () => {
  it("writes a Multiboot ELF and its .kbc, and kt boot runs it", () => {
    const out = path.join(path.dirname(hello), "hello.elf");
    const b = kt(["build", hello, "-o", out]);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/hello\.elf: \d+ functions, \d+ kbc instructions \(\d+ bytes\); image \d+ bytes, interpreter hot code \d+ bytes, needs \d+ MiB; JIT \(lazy\) region \d+ KiB, \d+ stencils of \d+ bytes$/m);
    expect(fs.existsSync(out.replace(/\.elf$/, ".kbc"))).toBe(true);
    const r = kt(["boot", out]);
    expect(r.stdout).toBe("hi from outside\n");
    expect(r.code).toBe(42);
  });
  it("builds with --jit off and eager too, and refuses another --jit mode in one line", () => {
    const out = path.join(path.dirname(hello), "hello-off.elf");
    const off = kt(["build", hello, "-o", out, "--jit", "off"]);
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/needs \d+ MiB$/m);
    expect(kt(["boot", out])).toMatchObject({ stdout: "hi from outside\n", code: 42 });
    const eager = kt(["boot", hello, "--jit", "eager"]);
    expect(eager).toMatchObject({ stdout: "hi from outside\n", code: 42 });
    const bad = kt(["build", hello, "--jit", "fast"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd()).toBe("kt build: --jit takes lazy, eager or off, not fast");
  });
  it("refuses an output that is neither .elf nor .kbc", () => {
    const r = kt(["build", hello, "-o", "x.bin"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(/^kt build: -o x\.bin: the output is an \.elf image or a \.kbc module$/);
  });
  it("lists the x86 the guest compiles for a function, under its TS lines (disasm --x86 --jit)", () => {
    const d = kt(["disasm", "--x86", "--jit", "kernel-ts/bench/fib.ts", "fib"]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^fib: compiled at 0x[0-9a-f]+, \d+ bytes \(\d+ kbc instructions\)$/m);
    expect(d.stdout).toMatch(/^ {2}; fib\.ts:\d+$/m);
    expect(d.stdout).toMatch(/^ {2};   \d{4}  CALL +r\d+, fib$/m);
    expect(d.stdout).toMatch(/^ {4}[0-9a-f]{8}  e9[0-9a-f]{8} +jmp fib$/m); // the recursive call: a direct jump
    expect(d.stdout).not.toMatch(/^kmain: /m);
    const bad = kt(["disasm", "--x86", "--jit", "kernel-ts/bench/fib.ts", "nosuch"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd()).toMatch(/^kt disasm: no function nosuch \(functions: .*fib.*\)$/);
    const nox86 = kt(["disasm", "--jit", "kernel-ts/bench/fib.ts"]);
    expect(nox86.code).toBe(2);
    expect(nox86.stderr.trimEnd()).toBe("kt disasm: --jit needs --x86");
  });
  it("lists the image's x86 code with label names (disasm --x86)", () => {
    const d = kt(["disasm", "--x86", hello]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^op_ADD:\n {2}[0-9a-f]{8} {2}[0-9a-f]+ +movzx eax,byte \[esi\+5\]$/m);
    expect(d.stdout).toMatch(/^ {2}[0-9a-f]{8} {2}ff26 +jmp dword \[esi\]$/m);
  });
});
