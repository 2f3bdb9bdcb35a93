// kt debug from the terminal (--repl), debug images from kt build --debug, and what a user gets
// wrong (issue H): each a one-line error.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { kt } from "../lib/kt.ts";
import { DapClient } from "../lib/dap-client.ts";

const LOOP = "tests/debug/programs/loop.ts";

describe("kt debug --repl", () => {
  it("breaks, runs, steps, finishes, and prints the backtrace, locals, variables and memory", () => {
    const r = kt(["debug", "--repl", LOOP], {
      input: "break loop.ts:10\nrun\nbt\nlocals\nframe 1\nlocals\nprint calls\nprint u32[0x300000]\nx 0x300000 2\n" +
        "continue\nprint x\nnext\nstep\nfinish\ndelete\ncontinue\nquit\n",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe([
      "breakpoint at loop.ts:10",
      "stopped (breakpoint) in square (loop.ts:10)", "   10  const y = x * x;",
      "*#0  square (loop.ts:10)", " #1  sum (loop.ts:17)", " #2  kmain (loop.ts:24)",
      "x = 0 (0x0)", "y = 0 (0x0)",
      "#1  sum (loop.ts:17)",
      "n = 4 (0x4)", "s = 0 (0x0)", "i = 0 (0x0)",
      "calls = 1 (0x1)",
      "u32[0x300000] = 3735928559 (0xdeadbeef)",
      "0x00300000: 0xdeadbeef 0x00000000",
      "stopped (breakpoint) in square (loop.ts:10)", "   10  const y = x * x;",
      "x = 1 (0x1)",
      "stopped (step) in square (loop.ts:11)", "   11  return y;",
      "stopped (step) in sum (loop.ts:17)", "   17  s += square(i);",
      // finish from sum: its loop calls square again first, where the breakpoint is.
      "stopped (breakpoint) in square (loop.ts:10)", "   10  const y = x * x;",
      "no breakpoints",
      "total 14",
      "[exited with code 0]",
      "",
    ].join("\n"));
    expect(r.code).toBe(0);
  }, 60_000);

  it("catch panic stops at a failed assertion; unknown commands and bad names are one line each", () => {
    const r = kt(["debug", "--repl", "tests/debug/programs/panic.ts"], { input: "catch panic\nfly\nbreak nosuch\nrun\nprint v\nprint nosuch\nbt\ncontinue\nquit\n" });
    expect(r.stdout).toBe([
      "stopping at panics",
      "unknown command fly (help lists them)",
      "no breakpoint: no function nosuch",
      "stopped (exception: too big) in check (panic.ts:5)", '    5  assert(v < 3, "too big");',
      "v = 3 (0x3)",
      "error: no variable nosuch here (evaluate takes a name, a number or TYPE[ADDRESS]: docs/debugging.md)",
      "*#0  check (panic.ts:5)", " #1  kmain (panic.ts:9)",
      "PANIC: too big at panic.ts:5", "  at check (panic.ts:5)", "  at kmain (panic.ts:9)",
      "[exited with code 3]",
      "",
    ].join("\n"));
    expect(r.code).toBe(3);
  }, 60_000);
});

describe("kt debug --repl on the kernel", () => {
  it("send types into the shell; a breakpoint in a command stops there; when the input ends the kernel runs until it is quiet", () => {
    const r = kt(["debug", "--repl", "kernel-ts/main.ts"], { input: "break shell/shell.ts:189\nsend uptime\\n\nrun\nbt\nlocals\ndelete\ncontinue\n" });
    expect(r.stdout).toContain("breakpoint at shell/shell.ts:189\n");
    expect(r.stdout).toContain("kt> uptime\nstopped (breakpoint) in uptime (shell.ts:189)\n  189  const t = irq_count(0);\n");
    expect(r.stdout).toContain("*#0  uptime (shell.ts:189)\n #1  run (shell.ts:61)\n #2  shell_run (shell.ts:35)\n #3  kmain (main.ts:58)\nt = 0 (0x0)\nno breakpoints\n");
    expect(r.stdout).toMatch(/no breakpoints\nuptime: \d+\.\d+ s \(\d+ ticks\)\nkt> $/);
    expect(r.code).toBe(0);
  }, 120_000);
});

describe("kt build --debug", () => {
  it("writes an image kt debug runs with its breakpoints; a plain image is refused in one line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-debug-"));
    try {
      const img = path.join(dir, "loop.elf");
      const b = kt(["build", "--debug", LOOP, "-o", img]);
      expect(b.code, b.stderr).toBe(0);
      // It still boots as a plain image (the debug information is past the ELF's segments).
      const boot = kt(["boot", img]);
      expect(boot.stdout).toBe("total 14\n");
      expect(boot.code).toBe(0);
      const r = kt(["debug", "--repl", img], { input: "break square\nrun\nbt\nquit\n" });
      expect(r.stdout).toContain("stopped (function breakpoint) in square (loop.ts:9)\n    9  calls++;\n");
      expect(r.stdout).toContain(" #1  sum (loop.ts:17)\n");
      const plain = path.join(dir, "plain.elf");
      expect(kt(["build", LOOP, "-o", plain]).code).toBe(0);
      const bad = kt(["debug", "--repl", plain], { input: "quit\n" });
      expect(bad.stderr).toBe(`kt debug: ${plain} has no debug information: build it with kt build --debug (or debug the .ts entry)\n`);
      expect(bad.code).toBe(2);
      // Over DAP the same refusal is the launch's error.
      const c = DapClient.spawn();
      await c.request("initialize", { adapterID: "kt" });
      const launch = await c.raw("launch", { program: plain });
      expect(launch).toMatchObject({ success: false, message: `kt debug: ${plain} has no debug information: build it with kt build --debug (or debug the .ts entry)` });
      await c.close();
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  }, 120_000);

  it("kt debug refuses bad arguments in one line", () => {
    for (const [args, err] of [
      [["debug", "--repl", "nosuch.ts"], "kt debug: nosuch.ts: no such file\n"],
      [["debug", "--repl", "README.md"], "kt debug: README.md: expected a .ts entry or a .elf image\n"],
      [["debug", "--repl"], "kt debug --repl: which program? (a .ts entry or a .elf image)\n"],
      [["debug", "--fly"], "kt debug: unknown option --fly (see kt debug --help)\n"],
      [["debug", "--jit", "fast", LOOP], "kt debug: --jit takes lazy, eager or off, not fast\n"],
      [["debug", "--memory", "1", LOOP], "kt debug: --memory takes 2 to 3072 (MiB)\n"],
    ] as const) {
      const r = kt([...args]);
      expect(r.stderr, args.join(" ")).toBe(err);
      expect(r.code).toBe(2);
    }
    const help = kt(["debug", "--help"]);
    expect(help.stdout).toContain("usage: kt debug [entry.ts | image.elf] [--repl]");
    expect(help.stdout).toContain("u32[0xd0000000]");
  });
});
