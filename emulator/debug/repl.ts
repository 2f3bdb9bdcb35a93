// `kt debug --repl`: the debugger in a terminal, one command a line (piped input works too: each
// command waits until the guest stops or exits before the next is read). See docs/debugging.md.

import readline from "node:readline";
import fs from "node:fs";
import { Machine } from "../machine.ts";
import { Debugger, type Stop, type Frame } from "./session.ts";
import { loadDebugTarget } from "./target.ts";
import { EXIT, KtError } from "../../toolchain/errors.ts";
import { unescapeSend } from "../escapes.ts";
import type { JitMode } from "../../boot/jit.ts";

const HELP = `commands:
  break FILE:LINE | FUNCTION   a breakpoint (b)        delete            remove every breakpoint
  run                          start the program (r)   continue          go on (c)
  next                         the next line, over calls (n)
  step                         the next line, into calls (s)
  finish                       until the current function returns
  bt                           the backtrace           frame N           select frame N of it
  locals                       the frame's parameters and locals
  print NAME | TYPE[ADDRESS]   a variable, or memory: u8 u16 u32 u64 i8 i16 i32 i64 (p)
  x ADDRESS [N]                N words (default 4) of memory in hex
  send TEXT                    type TEXT into COM1 (escapes \\n \\r \\t \\xHH): the guest reads it when it runs
  catch panic                  stop at a panic before its report
  pause                        (while running) stop where the guest is; Ctrl-C does it too
  quit                         end the session (q)
`;

export async function runRepl(program: string, opts: { memoryMB?: number; optimizeLevel?: number; jit?: JitMode }): Promise<number> {
  const loaded = await loadDebugTarget(program, { optimizeLevel: opts.optimizeLevel, jit: opts.jit });
  let machine: Machine;
  try { machine = await Machine.boot(loaded.elf, { memoryMB: opts.memoryMB ?? 64, paused: true }); } catch (e) {
    throw new KtError(`kt debug: ${program}: ${(e as Error).message.split("\n")[0]}`);
  }
  const dbg = new Debugger(machine, loaded.target);
  const out = (s: string) => process.stdout.write(s);
  let lastOutput = Date.now();
  machine.onSerial((bytes) => { lastOutput = Date.now(); out(Buffer.from(bytes).toString("latin1")); });
  const QUIET_MS = 1000;
  const quiet = () => new Promise<"closed">((resolve) => {
    const t = setInterval(() => { if (Date.now() - lastOutput > QUIET_MS) { clearInterval(t); resolve("closed"); } }, 50);
  });
  let waiting: ((what: Stop | number | "closed") => void) | null = null;
  let inputClosed = false;
  let exitCode: number | undefined;
  let frames: Frame[] = [];
  let selected = 0;
  dbg.onStop((s) => { frames = dbg.stackTrace(s.threadId); selected = 0; waiting?.(s); });
  dbg.onExit((code) => { exitCode = code; waiting?.(code); });
  const bps = new Map<string, number[]>();
  const fnBps: string[] = [];
  const sourceLine = (f: Frame) => {
    try { return f.path ? fs.readFileSync(f.path, "utf8").split("\n")[f.line - 1]?.trim() ?? "" : ""; } catch { return ""; }
  };
  const where = (f: Frame) => `${f.name} (${f.path ? f.path.slice(f.path.lastIndexOf("/") + 1) : "?"}:${f.line})`;
  /** Lets the guest run until it stops or exits; prints where. */
  const runUntilStop = async (go: () => void): Promise<void> => {
    const next = new Promise<Stop | number | "closed">((resolve) => { waiting = resolve; });
    try { go(); } catch (e) { waiting = null; throw e; }
    // Input that has ended, every command read: the guest runs until it stops, exits, or has been
    // quiet on COM1 for a second (a kernel waiting for input), and the session ends.
    const r = inputClosed && !queue.length ? await Promise.race([next, quiet()]) : await next;
    waiting = null;
    if (r === "closed") return;
    if (typeof r === "number") { out(`[exited with code ${r}]\n`); return; }
    const f = frames[0];
    out(`stopped (${r.reason}${r.text ? `: ${r.text}` : ""}) in ${f ? where(f) : "?"}\n`);
    if (f) out(`${String(f.line).padStart(5)}  ${sourceLine(f)}\n`);
  };
  const rl = readline.createInterface({ input: process.stdin, terminal: process.stdin.isTTY === true });
  // Ctrl-C pauses the guest; a second one while that pause waits (interrupts off: docs/debugging.md) ends the session.
  let pauseAsked = false;
  dbg.onStop(() => { pauseAsked = false; });
  rl.on("SIGINT", () => {
    if (!dbg.isRunning) { rl.close(); return; }
    if (pauseAsked) { out("\nthe guest does not stop (interrupts off?): ending the session\n"); void dbg.terminate().then(() => process.exit(130)); return; }
    pauseAsked = true;
    out("\npausing (Ctrl-C again ends the session)\n");
    try { dbg.pause(); } catch (e) { out(`error: ${(e as Error).message}\n`); }
  });
  // Lines are queued as they come (piped input arrives at once); each command is taken in turn.
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  rl.on("line", (l) => { queue.push(l); wake?.(); });
  rl.on("close", () => { inputClosed = true; wake?.(); if (!queue.length) void quiet().then(() => waiting?.("closed")); });
  const nextLine = async (): Promise<string | null> => {
    while (!queue.length) {
      if (inputClosed) return null;
      await new Promise<void>((r) => { wake = r; });
      wake = null;
    }
    return queue.shift()!;
  };
  const prompt = () => { if (process.stdin.isTTY) out("(kt) "); };
  prompt();
  for (let raw = await nextLine(); raw !== null; raw = await nextLine()) {
    const line = raw.trim();
    if (!line) { prompt(); continue; }
    const [cmd, ...rest] = line.split(/\s+/);
    const arg = rest.join(" ");
    try {
      if (exitCode !== undefined && !["quit", "q", "help"].includes(cmd)) { out(`the program has exited (code ${exitCode})\n`); prompt(); continue; }
      switch (cmd) {
        case "help": case "h": out(HELP); break;
        case "break": case "b": {
          const m = /^(.+):(\d+)$/.exec(arg);
          if (m) {
            const lines = [...(bps.get(m[1]) ?? []), Number(m[2])];
            bps.set(m[1], lines);
            const r = dbg.setBreakpoints(m[1], lines).at(-1)!;
            out(r.verified ? `breakpoint at ${m[1]}:${r.line}${r.message ? ` (${r.message})` : ""}\n` : `no breakpoint: ${r.message}\n`);
          } else if (arg) {
            fnBps.push(arg);
            const r = dbg.setFunctionBreakpoints(fnBps).at(-1)!;
            if (!r.verified) { fnBps.pop(); dbg.setFunctionBreakpoints(fnBps); }
            out(r.verified ? `breakpoint at ${arg} (line ${r.line})\n` : `no breakpoint: ${r.message}\n`);
          } else out("break takes FILE:LINE or a function name\n");
          break;
        }
        case "delete":
          for (const f of bps.keys()) dbg.setBreakpoints(f, []);
          bps.clear(); fnBps.length = 0; dbg.setFunctionBreakpoints([]);
          out("no breakpoints\n");
          break;
        case "catch":
          if (arg !== "panic") { out("catch takes: panic\n"); break; }
          dbg.setExceptionFilters(["panic"]); out("stopping at panics\n");
          break;
        case "run": case "r": await runUntilStop(() => dbg.start(false)); break;
        case "continue": case "c": await runUntilStop(() => dbg.continue()); break;
        case "next": case "n": await runUntilStop(() => dbg.next()); break;
        case "step": case "s": await runUntilStop(() => dbg.stepIn()); break;
        case "finish": await runUntilStop(() => dbg.stepOut()); break;
        case "pause": dbg.pause(); break;
        case "send":
          if (!arg) { out("send takes the text to type (escapes \\n \\r \\t \\xHH)\n"); break; }
          machine.send(unescapeSend(arg));
          break;
        case "bt": case "backtrace":
          frames.forEach((f, i) => out(f.marker ? `     ${f.name}\n` : `${i === selected ? "*" : " "}#${i}  ${where(f)}\n`));
          if (!frames.length) out("not stopped\n");
          break;
        case "frame": case "f": {
          const n = Number(arg);
          if (!(n >= 0 && n < frames.length) || frames[n].marker) { out(`no frame ${arg}\n`); break; }
          selected = n; out(`#${n}  ${where(frames[n])}\n`);
          break;
        }
        case "locals": {
          const f = frames[selected];
          if (!f) { out("not stopped\n"); break; }
          const vars = dbg.locals(f.id);
          for (const v of vars) out(`${v.name} = ${v.value}\n`);
          if (!vars.length) out("no locals\n");
          break;
        }
        case "print": case "p":
          out(`${arg} = ${dbg.evaluate(arg, frames[selected]?.id)}\n`);
          break;
        case "x": {
          const [a, n = "4"] = rest;
          if (!a) { out("x takes an address and, optionally, how many words\n"); break; }
          const addr = dbg.address(a, frames[selected]?.id), count = Math.min(Math.max(Number(n) || 4, 1), 256);
          const b = dbg.readMemory(addr, 4 * count);
          if (!b) { out(`0x${addr.toString(16)}: not mapped\n`); break; }
          for (let i = 0; i < b.length; i += 16) {
            const words = [];
            for (let k = i; k + 3 < Math.min(b.length, i + 16); k += 4) words.push("0x" + ((b[k] | (b[k + 1] << 8) | (b[k + 2] << 16) | (b[k + 3] << 24)) >>> 0).toString(16).padStart(8, "0"));
            out(`0x${((addr + i) >>> 0).toString(16).padStart(8, "0")}: ${words.join(" ")}\n`);
          }
          break;
        }
        case "quit": case "q":
          rl.close();
          break;
        default: out(`unknown command ${cmd} (help lists them)\n`);
      }
    } catch (e) { out(`error: ${(e as Error).message.split("\n")[0]}\n`); }
    prompt();
  }
  await dbg.terminate();
  return exitCode ?? EXIT.OK;
}
