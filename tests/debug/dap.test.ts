// kt debug over the Debug Adapter Protocol (issue H): breakpoints, stepping, function and
// exception breakpoints, pause, interrupts, threads, variables and memory, with the compiling
// tier off, lazy and eager. The programs are in tests/debug/programs/ (their line numbers matter).
import { describe, it, expect, afterEach } from "vitest";
import path from "node:path";
import fs from "node:fs";
import { spawn } from "node:child_process";
import { DapClient } from "../lib/dap-client.ts";

const LOOP = path.resolve("tests/debug/programs/loop.ts");
const PANIC = path.resolve("tests/debug/programs/panic.ts");
const TICK = path.resolve("tests/debug/programs/tick.ts");

let client: DapClient | undefined;
afterEach(async () => { await client?.close(); client = undefined; });

describe("kt debug (DAP)", () => {
  for (const jit of ["off", "lazy", "eager"] as const) {
    it(`a breakpoint in a function called from a loop is hit once per iteration, with the loop variable each time (--jit ${jit})`, async () => {
      const c = (client = DapClient.inProcess());
      await c.launch({ program: LOOP, jit }, async (c) => {
        const r = await c.request("setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: 10 }] });
        expect(r.breakpoints[0]).toMatchObject({ verified: true, line: 10 });
      });
      for (let i = 0; i < 4; i++) {
        const stop = await c.waitEvent("stopped");
        expect(stop.body).toMatchObject({ reason: "breakpoint", threadId: 1 });
        const frames = await c.frames();
        expect(frames.slice(0, 3).map((f) => `${f.name}:${f.line}`)).toEqual(["square:10", "sum:17", "kmain:24"]);
        expect(frames[0].source?.path).toBe(LOOP);
        expect(await c.locals(frames[0].id)).toMatchObject({ x: `${i} (0x${i})` });
        expect(await c.locals(frames[1].id)).toMatchObject({ i: `${i} (0x${i})`, n: "4 (0x4)" });
        expect((await c.request("evaluate", { expression: "calls", frameId: frames[0].id })).result).toBe(`${i + 1} (0x${i + 1})`);
        if (i === 1) {
          // Out to a caller that was compiled (lazy, eager): it goes on in the interpreter, where the step stops.
          await c.request("stepOut", { threadId: 1 });
          expect((await c.waitEvent("stopped")).body.reason).toBe("step");
          const out = await c.frames();
          expect(out.slice(0, 2).map((f) => `${f.name}:${f.line}`)).toEqual(["sum:17", "kmain:24"]);
          await c.request("next", { threadId: 1 });
          await c.waitEvent("stopped");
          const next = await c.frames();
          expect(next[0].line).toBe(16);
          expect(await c.locals(next[0].id)).toMatchObject({ i: "1 (0x1)", s: "1 (0x1)" });
        }
        await c.request("continue", { threadId: 1 });
      }
      expect((await c.waitEvent("exited")).body.exitCode).toBe(0);
      expect(c.output).toBe("total 14\n");
    });
  }

  for (const jit of ["off", "lazy", "eager"] as const) it(`next, stepIn and stepOut land on the right lines across calls and returns (--jit ${jit})`, async () => {
    const c = (client = DapClient.inProcess());
    await c.launch({ program: LOOP, stopOnEntry: true, jit });
    expect((await c.waitEvent("stopped")).body.reason).toBe("entry");
    const at = async () => (await c.frames()).slice(0, 2).map((f) => `${f.name}:${f.line}`).join(" < ");
    expect(await at()).toBe("kmain:23");
    const step = async (cmd: string) => { await c.request(cmd, { threadId: 1 }); expect((await c.waitEvent("stopped")).body.reason).toBe("step"); return at(); };
    expect(await step("next")).toBe("kmain:24");
    expect(await step("stepIn")).toBe("sum:15 < kmain:24");
    expect(await step("next")).toBe("sum:16 < kmain:24");
    expect(await step("next")).toBe("sum:17 < kmain:24");
    expect(await step("stepIn")).toBe("square:9 < sum:17");
    expect(await step("next")).toBe("square:10 < sum:17");
    expect(await step("stepOut")).toBe("sum:17 < kmain:24");
    expect(await step("stepOut")).toBe("kmain:24");
    expect(await step("next")).toBe("kmain:25");
    await c.request("continue", { threadId: 1 });
    expect((await c.waitEvent("exited")).body.exitCode).toBe(0);
  });

  it("a function breakpoint stops at the function's first line; a line without code moves to the next with code", async () => {
    const c = (client = DapClient.inProcess());
    await c.launch({ program: LOOP }, async (c) => {
      const f = await c.request("setFunctionBreakpoints", { breakpoints: [{ name: "square" }, { name: "nosuch" }] });
      expect(f.breakpoints[0]).toMatchObject({ verified: true, line: 9 });
      expect(f.breakpoints[1]).toMatchObject({ verified: false, message: "no function nosuch" });
      // A blank line, then sum's declaration (its first code is its first statement's).
      const moved = await c.request("setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: 13 }] });
      expect(moved.breakpoints[0]).toMatchObject({ verified: true, line: 15, message: "moved from line 13 to line 15, the next with code" });
    });
    expect((await c.waitEvent("stopped")).body.reason).toBe("breakpoint"); // sum, at the moved one
    expect((await c.frames())[0].name).toBe("sum");
    await c.request("continue", { threadId: 1 });
    expect((await c.waitEvent("stopped")).body.reason).toBe("function breakpoint");
    expect((await c.frames()).slice(0, 2).map((f) => `${f.name}:${f.line}`)).toEqual(["square:9", "sum:17"]);
    await c.request("setFunctionBreakpoints", { breakpoints: [] });
    await c.request("continue", { threadId: 1 });
    expect((await c.waitEvent("exited")).body.exitCode).toBe(0);
  });

  it("with the panic filter a failed assertion stops at its line before the report, which follows on continue", async () => {
    const c = (client = DapClient.inProcess());
    await c.launch({ program: PANIC }, async (c) => { await c.request("setExceptionBreakpoints", { filters: ["panic"] }); });
    const stop = await c.waitEvent("stopped");
    expect(stop.body).toMatchObject({ reason: "exception", text: "too big" });
    expect(c.output).toBe(""); // not reported yet
    const frames = await c.frames();
    expect(frames.slice(0, 2).map((f) => `${f.name}:${f.line}`)).toEqual(["check:5", "kmain:9"]);
    expect(await c.locals(frames[0].id)).toEqual({ v: "3 (0x3)" });
    await c.request("continue", { threadId: 1 });
    expect((await c.waitEvent("exited")).body.exitCode).toBe(3);
    expect(c.output).toMatch(/^PANIC: too big at panic.ts:5\n/);
  });

  it("a breakpoint in an interrupt handler shows the interrupted code below an interrupt frame", async () => {
    for (const jit of ["off", "lazy"] as const) {
      const c = (client = DapClient.inProcess());
      await c.launch({ program: TICK, jit }, async (c) => { await c.request("setBreakpoints", { source: { path: TICK }, breakpoints: [{ line: 9 }] }); });
      expect((await c.waitEvent("stopped")).body.reason).toBe("breakpoint");
      const names = (await c.frames()).map((f) => f.name);
      expect(names.slice(0, 2)).toEqual(["onIrq", "-- interrupt --"]);
      expect(names).toContain("kmain");
      expect((await c.request("evaluate", { expression: "ticks" })).result).toBe("0 (0x0)");
      await c.request("setBreakpoints", { source: { path: TICK }, breakpoints: [] });
      await c.request("continue", { threadId: 1 });
      expect((await c.waitEvent("exited")).body.exitCode, `--jit ${jit}`).toBe(0);
      await c.close();
      client = undefined;
    }
  });

  it("a breakpoint in a page-fault handler shows the faulting code below a page-fault frame, interpreted and compiled", async () => {
    const DEMAND = path.resolve("tests/boot/programs/demand.ts");
    for (const jit of ["off", "lazy"] as const) {
      const c = (client = DapClient.inProcess());
      await c.launch({ program: DEMAND, jit }, async (c) => { await c.request("setBreakpoints", { source: { path: DEMAND }, breakpoints: [{ line: 14 }] }); });
      expect((await c.waitEvent("stopped")).body.reason).toBe("breakpoint");
      const frames = await c.frames();
      expect(frames.map((f) => `${f.name}:${f.line}`), `--jit ${jit}`).toEqual(["onFault:14", "-- page fault --:0", "kmain:27"]);
      expect(await c.locals(frames[0].id)).toMatchObject({ cr2: "3758096384 (0xe0000000, -536870912)", err: "2 (0x2)" });
      await c.close();
      client = undefined;
    }
  });

  it("locals are the function's own: an inlined function's parameters are not among them; an optimised build shows nothing stale", async () => {
    const OPT = path.resolve("tests/debug/programs/opt.ts");
    const c = (client = DapClient.inProcess());
    await c.launch({ program: OPT }, async (c) => { await c.request("setBreakpoints", { source: { path: OPT }, breakpoints: [{ line: 12 }] }); });
    await c.waitEvent("stopped");
    // work's `a` and `b` (3 * 4, 5 + 7); peek's parameter `a`, inlined twice, is not shown.
    expect(await c.locals((await c.frames())[0].id)).toEqual({ n: "4 (0x4)", a: "12 (0xc)", b: "12 (0xc)" });
    await c.close();
    // -O 3: binaryen inlined work into kmain and dropped the locals' names: no values to be wrong.
    const o = (client = DapClient.inProcess());
    await o.launch({ program: OPT, optimize: 3 }, async (c) => { await c.request("setBreakpoints", { source: { path: OPT }, breakpoints: [{ line: 12 }] }); });
    await o.waitEvent("stopped");
    const frames = await o.frames();
    expect(frames.map((f) => f.name)).toEqual(["kmain"]);
    expect(await o.locals(frames[0].id)).toEqual({});
  });

  it("finish out of an interrupt handler stops in the interrupted code; a void function ending in a loop shows all its locals", async () => {
    const c = (client = DapClient.inProcess());
    await c.launch({ program: TICK }, async (c) => { await c.request("setBreakpoints", { source: { path: TICK }, breakpoints: [{ line: 9 }] }); });
    await c.waitEvent("stopped");
    await c.request("setBreakpoints", { source: { path: TICK }, breakpoints: [] });
    await c.request("stepOut", { threadId: 1 });
    expect((await c.waitEvent("stopped")).body.reason).toBe("step");
    expect((await c.frames()).map((f) => `${f.name}:${f.line}`)).toEqual(["spin:13", "kmain:18"]);
    await c.close();
    const TAIL = path.resolve("tests/debug/programs/tail.ts");
    const t = (client = DapClient.inProcess());
    await t.launch({ program: TAIL }, async (c) => { await c.request("setBreakpoints", { source: { path: TAIL }, breakpoints: [{ line: 10 }] }); });
    await t.waitEvent("stopped");
    expect(await t.locals((await t.frames())[0].id)).toEqual({ n: "3 (0x3)", m: "6 (0x6)", i: "0 (0x0)" });
  });

  it("requests out of turn or with bad arguments fail in one line, once", async () => {
    const c = (client = DapClient.inProcess());
    await c.request("initialize", { adapterID: "kt" });
    const early = await c.raw("configurationDone");
    expect(early).toMatchObject({ success: false, message: "kt debug: no program launched yet" });
    await c.request("launch", { program: LOOP });
    await c.waitEvent("initialized");
    for (const [cmd, args, message] of [
      ["next", { threadId: 1 }, "the program has not started (run starts it)"],
      ["setBreakpoints", { source: { path: LOOP }, breakpoints: "x" }, "setBreakpoints: breakpoints must be an array of { line }"],
      ["setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: -3 }] }, "setBreakpoints: every breakpoint needs a line, a whole number from 1"],
      ["readMemory", { memoryReference: "zz", count: 4 }, 'readMemory: memoryReference must be an address (0x… or decimal), not "zz"'],
      ["readMemory", { memoryReference: "0x1000", count: -4 }, "readMemory: count must be a whole number from 0 to 1048576, offset a whole number"],
      ["evaluate", { expression: "99999999999999999999" }, "99999999999999999999 does not fit in 32 bits"],
    ] as const) {
      const r = await c.raw(cmd, args);
      expect(r, cmd).toMatchObject({ success: false, message });
    }
    await c.request("configurationDone");
    expect((await c.waitEvent("exited")).body.exitCode).toBe(0);
    expect(await c.raw("continue", { threadId: 1 })).toMatchObject({ success: false, message: "the program has exited" });
  });

  it("evaluate reads names and memory (TYPE[ADDRESS]); readMemory reads bytes; a bad expression is a one-line error", async () => {
    const c = (client = DapClient.inProcess());
    await c.launch({ program: LOOP }, async (c) => { await c.request("setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: 11 }] }); });
    await c.waitEvent("stopped");
    const top = (await c.frames())[0].id;
    expect((await c.request("evaluate", { expression: "u32[0x300000]", frameId: top })).result).toBe("3735928559 (0xdeadbeef)");
    expect((await c.request("evaluate", { expression: "u8[0x300000 + 3]", frameId: top })).result).toBe("222 (0xde)");
    expect((await c.request("evaluate", { expression: "i32[0x300000]", frameId: top })).result).toBe("-559038737 (0xdeadbeef)");
    expect((await c.request("evaluate", { expression: "y", frameId: top })).result).toBe("0 (0x0)");
    const mem = await c.request("readMemory", { memoryReference: "0x300000", count: 4 });
    expect(Buffer.from(mem.data, "base64")).toEqual(Buffer.from([0xef, 0xbe, 0xad, 0xde]));
    const bad = await c.raw("evaluate", { expression: "nosuch", frameId: top });
    expect(bad.success).toBe(false);
    expect(bad.message).toMatch(/^no variable nosuch here/);
    expect(bad.message).not.toContain("\n");
  });

  it("pauses the kernel idle at its shell and shows its threads and a backtrace", async () => {
    const c = (client = DapClient.inProcess());
    await c.launch({ program: path.resolve("kernel-ts/main.ts") });
    await c.waitOutput("kt> ", 60_000);
    await c.request("pause", { threadId: 1 });
    const stop = await c.waitEvent("stopped");
    expect(stop.body.reason).toBe("pause");
    const threads = (await c.request("threads")).threads as { id: number; name: string }[];
    expect(threads.map((t) => t.name.split(" ")[0])).toEqual(expect.arrayContaining(["boot", "idle"]));
    const frames = await c.frames(stop.body.threadId);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((f) => f.name && f.name !== "?")).toBe(true);
    for (const t of threads) expect((await c.frames(t.id)).length).toBeGreaterThan(0);
    const boot = threads.find((t) => t.name.startsWith("boot"))!;
    // Globals of the same name in two modules are told apart by their module's path.
    const scopes = (await c.request("scopes", { frameId: frames[0].id })).scopes;
    const globals = (await c.request("variables", { variablesReference: scopes[1].variablesReference })).variables.map((v: { name: string }) => v.name);
    expect(new Set(globals).size).toBe(globals.length);
    expect(globals).toEqual(expect.arrayContaining(["tlsf/usedBytes", "palloc/usedBytes"]));
    // The shell's thread waits for a key: its saved context's frames.
    const bootFrames = (await c.frames(boot.id)).map((f) => f.name);
    expect(bootFrames.slice(-4)).toEqual(["console_getc", "line_read", "shell_run", "kmain"]);
    await c.request("continue", { threadId: 1 });
    await c.request("pause", { threadId: 1 });
    expect((await c.waitEvent("stopped")).body.reason).toBe("pause");
  }, 120_000);

  it("kt debug speaks DAP on stdin and stdout, and says what it does not understand in one line", async () => {
    const c = (client = DapClient.spawn());
    await c.launch({ program: LOOP }, async (c) => { await c.request("setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: 10 }] }); });
    await c.waitEvent("stopped");
    expect((await c.frames())[0].name).toBe("square");
    const bad = await c.raw("nosuchrequest");
    expect(bad).toMatchObject({ success: false, message: "kt debug: unsupported request nosuchrequest" });
    await c.request("setBreakpoints", { source: { path: LOOP }, breakpoints: [] });
    await c.request("continue", { threadId: 1 });
    expect((await c.waitEvent("exited")).body.exitCode).toBe(0);
  });

  it("the VS Code adapter of .vscode/launch.json (tools/vscode-kt) runs kt debug with its configurations", async () => {
    const json = JSON.parse(fs.readFileSync(".vscode/launch.json", "utf8").replace(/^\s*\/\/.*$/gm, ""));
    const pkg = JSON.parse(fs.readFileSync("tools/vscode-kt/package.json", "utf8"));
    expect(pkg.contributes.debuggers[0].type).toBe("kt");
    const cfg = json.configurations.find((x: { program: string }) => x.program === "${file}");
    expect(cfg).toMatchObject({ type: "kt", request: "launch", stopOnEntry: true });
    expect(fs.existsSync(json.configurations[0].program.replace("${workspaceFolder}", "."))).toBe(true);
    const child = spawn(process.execPath, ["tools/vscode-kt/adapter.js"], { stdio: ["pipe", "pipe", "inherit"] });
    const c = (client = new DapClient(child.stdin!, child.stdout!));
    c.child = child;
    await c.launch({ ...cfg, program: LOOP });
    expect((await c.waitEvent("stopped")).body.reason).toBe("entry");
    expect((await c.frames())[0]).toMatchObject({ name: "kmain", line: 23 });
    await c.request("continue", { threadId: 1 });
    expect((await c.waitEvent("exited")).body.exitCode).toBe(0);
  });
});
