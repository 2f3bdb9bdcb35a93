// The `kt` command line: build, run and inspect kernel-ts programs. Every error reaches the user
// as one line on stderr and a distinct exit code (see toolchain/errors.ts EXIT); internal errors
// too (set KT_DEBUG=1 for the stack).

import fs from "node:fs";
import path from "node:path";
import { EXIT, KtError } from "../toolchain/errors.ts";
import { buildProgram, loadKbc } from "../toolchain/build.ts";
import { encodeKbc, type KbcModule } from "../toolchain/kbc/module.ts";
import { disassemble } from "../toolchain/kbc/disasm.ts";
import { OPCODES } from "../toolchain/kbc/opcodes.ts";
import { formatPanic } from "../toolchain/panic.ts";
import type { RunResult, Profile } from "../toolchain/kbc/interp.ts";
import { HostDevices } from "./host/devices.ts";
import { runKbc, runWasm } from "./host/run.ts";
import { REPO_ROOT } from "../toolchain/asc.ts";

interface FlagSpec { value?: string; help: string }
interface Command {
  usage: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  run(args: Parsed): Promise<number>;
}
interface Parsed { positional: string[]; flags: Map<string, string | true> }

function parseArgs(cmd: string, spec: Command, argv: string[]): Parsed {
  const out: Parsed = { positional: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { out.positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith("-") || a === "-") { out.positional.push(a); continue; }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    const f = spec.flags[name];
    if (!f) throw new KtError(`kt ${cmd}: unknown option ${name} (see kt ${cmd} --help)`);
    if (f.value) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new KtError(`kt ${cmd}: ${name} needs a value ${f.value}`);
      out.flags.set(name, v);
    } else {
      if (eq > 0) throw new KtError(`kt ${cmd}: ${name} takes no value`);
      out.flags.set(name, true);
    }
  }
  return out;
}

function intFlag(p: Parsed, name: string, cmd: string): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new KtError(`kt ${cmd}: ${name} takes a whole number, not '${v}'`);
  return Number(v);
}

function onePositional(p: Parsed, cmd: string, what: string, dflt?: string): string {
  if (p.positional.length > 1) throw new KtError(`kt ${cmd}: one ${what} at a time (got ${p.positional.length})`);
  const v = p.positional[0] ?? dflt;
  if (!v) throw new KtError(`kt ${cmd}: which ${what}? (see kt ${cmd} --help)`);
  return v;
}

function optLevel(p: Parsed, cmd: string): number | undefined {
  const o = intFlag(p, "-O", cmd);
  if (o !== undefined && o > 3) throw new KtError(`kt ${cmd}: -O takes 0 to 3`);
  return o;
}

/** Loads a program for the host: a .ts is compiled, a .kbc read and verified. */
async function loadProgram(file: string, p: Parsed, cmd: string) {
  if (file.endsWith(".kbc")) {
    let bytes: Uint8Array;
    try { bytes = fs.readFileSync(file); } catch { throw new KtError(`${file}: cannot read`); }
    return { wasm: null, sourceMap: null, kbc: loadKbc(bytes, file) };
  }
  if (!file.endsWith(".ts")) throw new KtError(`kt ${cmd}: ${file}: expected a .ts program or a .kbc module`);
  return buildProgram(file, { optimizeLevel: optLevel(p, cmd) });
}

function report(result: RunResult): number {
  if (result.kind === "exit") return result.code;
  process.stdout.write(formatPanic(result.reason, result.frames, result.where));
  return EXIT.PANIC;
}

function printProfile(prof: Profile): void {
  const lines = [`profile: ${prof.executed} kbc instructions executed`, "  top opcodes:"];
  const ops = [...prof.perOp.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).slice(0, 15);
  for (const [op, n] of ops) lines.push(`    ${OPCODES[op].name.padEnd(10)} ${String(n).padStart(12)}  ${(100 * n / prof.executed).toFixed(1).padStart(5)}%`);
  lines.push("  top opcode pairs:");
  const pairs = [...prof.pairs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  for (const [k, n] of pairs) lines.push(`    ${(OPCODES[k >> 8].name + " " + OPCODES[k & 0xff].name).padEnd(22)} ${String(n).padStart(12)}  ${(100 * n / prof.executed).toFixed(1).padStart(5)}%`);
  process.stderr.write(lines.join("\n") + "\n");
}

const COMMANDS: Record<string, Command> = {
  run: {
    usage: "kt run <program.ts | module.kbc> [--kbc] [--profile] [--memory MB] [-O N]",
    summary: "compile a kernel-ts program and run it on the host (wasm under V8, or kbc with --kbc)",
    flags: {
      "--kbc": { help: "run the translated kbc on the host interpreter instead of the wasm under V8" },
      "--profile": { help: "with --kbc: print executed instructions and the most frequent opcode pairs (stderr)" },
      "--memory": { value: "MB", help: "linear memory in MiB (default 64)" },
      "-O": { value: "N", help: "asc optimisation level 0..3 (default 3)" },
    },
    async run(p) {
      const file = onePositional(p, "run", "program");
      const memoryMB = intFlag(p, "--memory", "run");
      const kbcMode = p.flags.has("--kbc") || file.endsWith(".kbc");
      if (p.flags.has("--profile") && !kbcMode) throw new KtError("kt run: --profile needs --kbc");
      const prog = await loadProgram(file, p, "run");
      const dev = new HostDevices((b) => process.stdout.write(b));
      let result: RunResult;
      if (kbcMode) {
        const r = runKbc(prog.kbc, dev, { memoryMB, profile: p.flags.has("--profile") });
        result = r.result;
        dev.flush();
        if (r.profile) printProfile(r.profile);
      } else {
        result = runWasm(prog.wasm!, prog.sourceMap, dev, { memoryMB }, prog.kbc.memoryBytes);
        dev.flush();
      }
      return report(result);
    },
  },
  build: {
    usage: "kt build [entry.ts] [-o out.kbc] [-O N]",
    summary: "compile, translate and verify a program; write its kbc module (default entry kernel-ts/main.ts)",
    flags: {
      "-o": { value: "FILE", help: "output file (default disk-images/<name>.kbc)" },
      "-O": { value: "N", help: "asc optimisation level 0..3 (default 3)" },
    },
    async run(p) {
      const entry = onePositional(p, "build", "entry file", path.join(path.relative(process.cwd(), REPO_ROOT) || ".", "kernel-ts/main.ts"));
      if (!entry.endsWith(".ts")) throw new KtError(`kt build: ${entry}: expected a .ts entry file`);
      const prog = await buildProgram(entry, { optimizeLevel: optLevel(p, "build") });
      const out = (p.flags.get("-o") as string | undefined) ?? path.join(REPO_ROOT, "disk-images", path.basename(entry, ".ts") + ".kbc");
      writeOutput(out, encodeKbc(prog.kbc));
      writeOutput(out.replace(/\.kbc$/, "") + ".wasm", prog.wasm);
      const n = prog.kbc.code.length >> 1;
      process.stderr.write(`kt build: ${path.relative(process.cwd(), out)}: ${prog.kbc.functions.length} functions, ${n} instructions (${n * 8} bytes)\n`);
      return EXIT.OK;
    },
  },
  disasm: {
    usage: "kt disasm <program.ts | module.kbc> [-O N]",
    summary: "print the kbc listing with function names and TS source lines",
    flags: { "-O": { value: "N", help: "asc optimisation level 0..3 (default 3)" } },
    async run(p) {
      const file = onePositional(p, "disasm", "program");
      const prog = await loadProgram(file, p, "disasm");
      process.stdout.write(disassemble(prog.kbc as KbcModule));
      return EXIT.OK;
    },
  },
};

function writeOutput(file: string, bytes: Uint8Array): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, bytes);
  } catch (e) {
    throw new KtError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

function commandHelp(name: string, c: Command): string {
  const flags = Object.entries(c.flags).map(([f, s]) => `  ${(f + (s.value ? ` ${s.value}` : "")).padEnd(16)} ${s.help}`);
  return [`usage: ${c.usage}`, "", c.summary, "", "options:", ...flags, `  ${"--help".padEnd(16)} show this help`, ""].join("\n");
}

function mainHelp(): string {
  const cmds = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`);
  return ["usage: kt <command> [options]", "", "commands:", ...cmds, "", "kt <command> --help shows a command's options.",
    "exit codes: the program's own exit code; 3 on panic; 2 on usage or build errors.", ""].join("\n");
}

/** Runs kt with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") { process.stdout.write(mainHelp()); return cmd ? EXIT.OK : EXIT.USAGE; }
    const c = COMMANDS[cmd];
    if (!c) throw new KtError(`kt: unknown command '${cmd}' (commands: ${Object.keys(COMMANDS).join(", ")}; see kt --help)`);
    if (rest.includes("--help") || rest.includes("-h")) { process.stdout.write(commandHelp(cmd, c)); return EXIT.OK; }
    return await c.run(parseArgs(cmd, c, rest));
  } catch (e) {
    if (e instanceof KtError) { process.stderr.write(e.message + "\n"); return e.code; }
    const err = e as Error;
    process.stderr.write(`kt: internal error: ${err?.message ?? String(e)}${process.env.KT_DEBUG ? "\n" + err?.stack : " (set KT_DEBUG=1 for details)"}\n`);
    return 70;
  }
}
