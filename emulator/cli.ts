// The `kt` command line: build, run and inspect kernel-ts programs. Every error reaches the user
// as one line on stderr and a distinct exit code (see toolchain/errors.ts EXIT); internal errors
// too (set KT_DEBUG=1 for the stack).

import fs from "node:fs";
import os from "node:os";
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
import { floppyImageError } from "../boot/floppy-format.ts";
import { unescapeSend } from "./escapes.ts";
import type { Machine, SerialConsole } from "./machine.ts";
import type { QemuMachine } from "./qemu.ts";
// The emulator, the assembler and QEMU support load on first use (kt run stays light).
const lazy = {
  image: () => import("../boot/image.ts"),
  floppy: () => import("../boot/floppy.ts"),
  machine: () => import("./machine.ts"),
  qemu: () => import("./qemu.ts"),
  bench: () => import("./bench.ts"),
  benchAlloc: () => import("./bench-alloc.ts"),
  benchBoot: () => import("./bench-boot.ts"),
  web: () => import("./web.ts"),
};

interface FlagSpec { value?: string; help: string }
interface Command {
  usage: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  /** Extra lines at the end of --help. */
  notes?: string[];
  run(args: Parsed): Promise<number>;
}
/** `flags` keeps the last value of each flag; `seq` every valued flag in command-line order. */
interface Parsed { positional: string[]; flags: Map<string, string | true>; seq: [string, string][] }

function parseArgs(cmd: string, spec: Command, argv: string[]): Parsed {
  const out: Parsed = { positional: [], flags: new Map(), seq: [] };
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
      out.seq.push([name, v]);
    } else {
      if (eq > 0) throw new KtError(`kt ${cmd}: ${name} takes no value`);
      out.flags.set(name, true);
    }
  }
  return out;
}

/** --jit MODE: the compiling tier of the guest image. */
function jitFlag(p: Parsed, cmd: string): "off" | "lazy" | "eager" {
  const v = p.flags.get("--jit");
  if (v === undefined) return "lazy";
  if (v !== "off" && v !== "lazy" && v !== "eager") throw new KtError(`kt ${cmd}: --jit takes lazy, eager or off, not ${String(v)}`);
  return v;
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
    usage: "kt build [entry.ts | image.elf] [-o out.elf | out.kbc | floppy.img] [--floppy] [-O N] [--jit lazy|eager|off] [--debug]",
    summary: "build the bootable Multiboot image of a program (default entry kernel-ts/main.ts), or a 1.44 MB boot floppy",
    flags: {
      "-o": { value: "FILE", help: "output: an .elf image (default disk-images/<name>.elf, with <name>.kbc beside it), or a .kbc module only; with --floppy an .img (default disk-images/floppy.img)" },
      "--floppy": { help: "write a bootable 1.44 MB floppy image instead: our boot sector and loader, then the Multiboot ELF (of entry.ts, or image.elf as is)" },
      "--debug": { help: "a debug image for kt debug: asc -O 0 (unless -O is given), compiled code keeping every variable in memory, and the debug information after the ELF bytes" },
      "-O": { value: "N", help: "asc optimisation level 0..3 (default 3)" },
      "--jit": { value: "MODE", help: "the guest VM's compiling tier: lazy (compile a function at its first call), eager (all at boot) or off (interpret only); default lazy" },
    },
    notes: [
      "The floppy boots through a BIOS (kt boot --floppy: SeaBIOS in v86, or QEMU's with --qemu); its loader",
      "prints `kernel-ts floppy loader: N sectors` on COM1 and starts the kernel as a Multiboot loader would.",
    ],
    async run(p) {
      if (p.flags.has("--floppy")) return buildFloppyImage(p);
      const entry = onePositional(p, "build", "entry file", path.join(path.relative(process.cwd(), REPO_ROOT) || ".", "kernel-ts/main.ts"));
      if (!entry.endsWith(".ts")) throw new KtError(`kt build: ${entry}: expected a .ts entry file`);
      const out = (p.flags.get("-o") as string | undefined) ?? path.join(REPO_ROOT, "disk-images", path.basename(entry, ".ts") + ".elf");
      if (!/\.(elf|kbc)$/.test(out)) throw new KtError(`kt build: -o ${out}: the output is an .elf image or a .kbc module${out.endsWith(".img") ? " (a floppy image needs --floppy)" : ""}`);
      const debug = p.flags.has("--debug");
      if (debug && !out.endsWith(".elf")) throw new KtError("kt build: --debug makes an .elf image");
      const level = optLevel(p, "build") ?? (debug ? 0 : undefined);
      const jit = jitFlag(p, "build");
      const debugImage = debug ? await (await import("./debug/target.ts")).buildDebugImage(entry, level, jit) : undefined;
      const prog = debugImage?.prog ?? await buildProgram(entry, { optimizeLevel: level });
      const n = prog.kbc.code.length >> 1;
      const kbcOut = out.replace(/\.(elf|kbc)$/, ".kbc");
      writeOutput(kbcOut, encodeKbc(prog.kbc));
      let what = `${prog.kbc.functions.length} functions, ${n} kbc instructions (${n * 8} bytes)`;
      if (out.endsWith(".elf")) {
        const img = debugImage?.image ?? (await lazy.image()).linkImage(prog.kbc, path.basename(entry), { jit });
        writeOutput(out, debugImage?.bytes ?? img.elf);
        what += `; image ${img.elf.length} bytes, interpreter hot code ${img.layout.text.hotSize} bytes, needs ${Math.ceil(img.layout.memoryBytes / 1048576)} MiB`;
        if (img.layout.jit) what += `; JIT (${jit}) region ${(img.layout.jit.end - img.layout.jit.base) >> 10} KiB, ${img.layout.jit.stencils} stencils of ${img.layout.jit.stencilBytes} bytes`;
      }
      process.stderr.write(`kt build: ${path.relative(process.cwd(), out)}: ${what}\n`);
      return EXIT.OK;
    },
  },
  boot: {
    usage: "kt boot [entry.ts | image.elf | floppy.img] [--send TEXT]... [--expect REGEX]... [--timeout S] [--memory MB] [--qemu] [--floppy [--bios PATH]] [-O N] [--jit lazy|eager|off]",
    summary: "boot the guest image in an emulated PC (v86; QEMU with --qemu), COM1 on stdin/stdout",
    flags: {
      "--send": { value: "TEXT", help: "type TEXT into COM1 (escapes \\n \\r \\t \\e \\0 \\\\ \\xHH); repeatable" },
      "--expect": { value: "REGEX", help: "wait until the output since the last --expect matches REGEX (JavaScript syntax); repeatable" },
      "--timeout": { value: "S", help: "give up after S seconds with exit code 124 (default 30; none when interactive)" },
      "--memory": { value: "MB", help: "guest RAM in MiB (default 64)" },
      "--qemu": { help: "boot in qemu-system-i386 instead of v86" },
      "--floppy": { help: "boot from a 1.44 MB floppy through the BIOS (kt build --floppy) instead of loading the Multiboot image directly" },
      "--bios": { value: "PATH", help: "with --floppy: the BIOS ROM (v86: default $KT_SEABIOS, else /usr/share/seabios/bios.bin; QEMU: its own unless given)" },
      "-O": { value: "N", help: "asc optimisation level 0..3 (default 3)" },
      "--jit": { value: "MODE", help: "the guest VM's compiling tier: lazy (compile a function at its first call), eager (all at boot) or off (interpret only); default lazy" },
    },
    notes: [
      "A .ts entry (default kernel-ts/main.ts) is built into a Multiboot image first; a .elf image boots as is.",
      "With --floppy that image is put on a floppy first; a .img floppy image boots as is (--floppy implied).",
      "--send and --expect apply in command-line order. Serial output goes to stdout byte for byte; when",
      "stdin is a terminal, keys go to COM1 and Ctrl-] quits (exit code 130).",
      "Exit codes: the guest's exit code (port 0xF4; 3 on panic); 124 on timeout, after the last 20 serial",
      "lines on stderr; the guest's code, or 1, if it exits before an --expect matched; 2 for usage or build errors.",
    ],
    async run(p) {
      const file = onePositional(p, "boot", "entry file or image", path.join(path.relative(process.cwd(), REPO_ROOT) || ".", "kernel-ts/main.ts"));
      const memoryMB = intFlag(p, "--memory", "boot") ?? 64;
      if (memoryMB < 2 || memoryMB > 3072) throw new KtError("kt boot: --memory takes 2 to 3072 (MiB)");
      const timeoutS = secondsFlag(p, "--timeout", "boot");
      const steps = bootSteps(p);
      const qemu = p.flags.has("--qemu");
      const floppy = p.flags.has("--floppy") || file.endsWith(".img");
      if (p.flags.has("--bios") && !floppy) throw new KtError("kt boot: --bios needs --floppy (a Multiboot image boots without a BIOS)");
      const mods = { machine: await lazy.machine(), qemu: await lazy.qemu() };
      const bios = floppy && !qemu ? readBios(p, mods.machine) : undefined;
      const image = floppy ? await loadFloppy(file, p) : await loadImage(file, p);
      const interactive = process.stdin.isTTY === true;
      const timeoutMs = timeoutS !== undefined ? Math.round(timeoutS * 1000) : interactive ? undefined : 30_000;
      if (!qemu) {
        let m: Machine;
        try {
          m = bios ? await mods.machine.Machine.bootFloppy(image, { memoryMB, bios }) : await mods.machine.Machine.boot(image, { memoryMB });
        } catch (e) { throw new KtError(`kt boot: ${file}: ${(e as Error).message}`); }
        return driveMachine(m, steps, timeoutMs, interactive, mods);
      }
      const ext = floppy ? ".img" : ".elf";
      let imagePath = file, tmp: string | undefined;
      if (!file.endsWith(ext)) {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kt-boot-"));
        imagePath = path.join(tmp, path.basename(file).replace(/\.\w+$/, "") + ext);
        fs.writeFileSync(imagePath, image);
      }
      try {
        const qemuBios = p.flags.get("--bios") as string | undefined;
        if (qemuBios !== undefined && !fs.existsSync(qemuBios)) throw new KtError(`kt boot --floppy: no BIOS at ${qemuBios}`);
        return await driveMachine(await mods.qemu.bootQemu(imagePath, { memoryMB, floppy, bios: qemuBios }), steps, timeoutMs, interactive, mods);
      } finally {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  },
  bench: {
    usage: "kt bench vm|alloc|boot [--json] [--seeds N] [--steps N] [--host-only]",
    summary: "benchmarks: `vm` runs kernel-ts/bench/ (fib, sieve, memcopy, hash64) on V8, the host VM and the guest VM; `alloc` the allocators' churn trace; `boot` the time to the shell prompt",
    flags: {
      "--json": { help: "print the report as JSON" },
      "--seeds": { value: "N", help: "alloc: seeds from 12345 (default 10)" },
      "--steps": { value: "N", help: "alloc: trace steps per run (default 200000)" },
      "--host-only": { help: "alloc: skip the guest (v86) measurements" },
    },
    notes: [
      "vm: counts are taken between the programs' kernel.mark markers: kbc instructions (host interpreter),",
      "guest x86 instructions (v86's counter, repeatable to the instruction) and wall times (noisy);",
      "beside them each program's native twin in C (kernel-ts/bench/c/, gcc -O2 -m32) in v86, when",
      "gcc can build i386 code: its x86 instructions and the VM's per C instruction.",
      "alloc: the churn trace (../shared/bench/churn.md) over tlsf and palloc: host ns/step beside",
      "AssemblyScript's TLSF and @thi.ng/malloc, guest x86 instructions per op (the loop subtracted),",
      "TLSF across pool sizes 64 KiB..256 MiB, fragmentation. Progress goes to stderr.",
      "boot: v86 from construction to the kernel's shell prompt (wall ms, guest instructions) beside a",
      "minimal Multiboot image's first byte, and the kernel from its floppy through SeaBIOS (when installed), 5 boots each.",
    ],
    async run(p) {
      const what = onePositional(p, "bench", "benchmark (vm or alloc)");
      const json = p.flags.has("--json");
      if (what === "vm") {
        for (const f of ["--seeds", "--steps", "--host-only"]) if (p.flags.has(f)) throw new KtError(`kt bench vm: ${f} is an option of kt bench alloc`);
        const b = await lazy.bench();
        const report = await b.benchVm();
        process.stdout.write(json ? JSON.stringify(report, null, 2) + "\n" : b.formatVmBench(report));
        return EXIT.OK;
      }
      if (what === "boot") {
        for (const f of ["--seeds", "--steps", "--host-only"]) if (p.flags.has(f)) throw new KtError(`kt bench boot: ${f} is an option of kt bench alloc`);
        const b = await lazy.benchBoot();
        const report = await b.benchBoot((l) => process.stderr.write(l + "\n"));
        process.stdout.write(json ? JSON.stringify(report, null, 2) + "\n" : b.formatBootBench(report));
        return EXIT.OK;
      }
      if (what !== "alloc") throw new KtError(`kt bench: unknown benchmark '${what}' (benchmarks: vm, alloc, boot)`);
      const seeds = intFlag(p, "--seeds", "bench"), steps = intFlag(p, "--steps", "bench");
      if (seeds !== undefined && (seeds < 1 || seeds > 1000)) throw new KtError(`kt bench: --seeds takes 1 to 1000, not ${seeds}`);
      if (steps !== undefined && (steps < 1 || steps > 100_000_000)) throw new KtError(`kt bench: --steps takes 1 to 100000000, not ${steps}`);
      const b = await lazy.benchAlloc();
      const report = await b.benchAlloc({ seeds, steps, hostOnly: p.flags.has("--host-only"), log: (l) => process.stderr.write(l + "\n") });
      process.stdout.write(json ? JSON.stringify(report, null, 2) + "\n" : b.formatAllocBench(report));
      return EXIT.OK;
    },
  },
  web: {
    usage: "kt web [entry.ts] [--port N] [--watch] [--debug] [-O N] | kt web --out DIR [entry.ts] [--debug] [-O N]",
    summary: "serve the browser page: the kernel in v86 with a terminal, its boot stages and a live heap map; or write it as a static site",
    flags: {
      "--out": { value: "DIR", help: "write the page as a static site into DIR (any static file server serves it, under a sub-path too) and print its size, instead of serving it" },
      "--port": { value: "N", help: "TCP port on 127.0.0.1: 1 to 65535, or 0 for any free one (default 8086)" },
      "--watch": { help: "rebuild the image when a .ts file under kernel-ts/ or the entry's folder changes; the page reboots" },
      "--debug": { help: "serve a debug image (asc -O 0 unless -O is given): the page gets a debug panel (breakpoints by clicking a line, stepping, backtrace, locals; docs/debugging.md)" },
      "-O": { value: "N", help: "asc optimisation level 0..3 (default 3; 0 with --debug)" },
    },
    notes: [
      "The entry (default kernel-ts/main.ts) is built like kt boot builds it. The page's address goes to stdout;",
      "it runs until Ctrl-C (exit 0). With --watch a build error is shown in the page and here, and the page",
      "keeps the previous kernel running.",
    ],
    async run(p) {
      const entry = onePositional(p, "web", "entry file", path.join(path.relative(process.cwd(), REPO_ROOT) || ".", "kernel-ts/main.ts"));
      if (!entry.endsWith(".ts")) throw new KtError(`kt web: ${entry}: expected a .ts entry file`);
      const out = p.flags.get("--out") as string | undefined;
      if (out !== undefined) {
        for (const f of ["--port", "--watch"]) if (p.flags.has(f)) throw new KtError(`kt web: ${f} serves the page; --out writes it as files`);
        if (!out) throw new KtError("kt web: --out needs a folder");
        if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new KtError(`kt web: --out ${out}: not a directory`);
        const site = await (await lazy.web()).writeStaticSite({ entry, out, optimizeLevel: optLevel(p, "web"), debug: p.flags.has("--debug") });
        const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
        process.stdout.write(`kt web: wrote ${out}: ${site.files.length} files, ${kib(site.bytes)} (${site.files.map((f) => `${f.name} ${kib(f.bytes)}`).join(", ")})\n`);
        return EXIT.OK;
      }
      const port = intFlag(p, "--port", "web") ?? 8086;
      if (port > 65535) throw new KtError(`kt web: --port takes 1 to 65535, or 0 for any free port, not ${port}`);
      const server = await (await lazy.web()).serveWeb({
        entry, port, watch: p.flags.has("--watch"), optimizeLevel: optLevel(p, "web"), debug: p.flags.has("--debug"),
        log: (line) => process.stderr.write(line + "\n"),
      });
      process.stdout.write(`kt web: ${server.url} (Ctrl-C stops)\n`);
      await new Promise<void>((resolve) => { process.once("SIGINT", resolve); process.once("SIGTERM", resolve); });
      await server.close();
      return EXIT.OK;
    },
  },
  debug: {
    usage: "kt debug [entry.ts | image.elf] [--repl] [--memory MB] [-O N] [--jit lazy|eager|off]",
    summary: "debug a program in the guest: the Debug Adapter Protocol on stdin/stdout (VS Code), or a terminal session with --repl",
    flags: {
      "--repl": { help: "a terminal session instead of DAP: break FILE:LINE | FUNCTION, run, continue, next, step, finish, bt, locals, print NAME, x ADDR [N], send TEXT, quit (help lists them)" },
      "--memory": { value: "MB", help: "guest RAM in MiB (default 64)" },
      "-O": { value: "N", help: "asc optimisation level 0..3 (default 0 for a debug build: no inlining, every local kept)" },
      "--jit": { value: "MODE", help: "the guest VM's compiling tier (default lazy): a function with a breakpoint runs in the interpreter, the rest compiled" },
    },
    notes: [
      "DAP (the default): requests initialize, launch (program: a .ts entry or an image from kt build --debug;",
      "stopOnEntry; optional memory, optimize, jit), setBreakpoints (a line without code moves to the next one",
      "with code, said in the response's message), setFunctionBreakpoints, setExceptionBreakpoints (filter",
      "`panic`: stop at the trapping frame before the panic report), configurationDone, threads, stackTrace,",
      "scopes, variables, evaluate, readMemory, continue, next, stepIn, stepOut, pause, disconnect, terminate;",
      "events initialized, stopped, output (COM1), exited, terminated. A program given here is the launch's",
      "default. evaluate takes a local or global name, a number, or a memory read TYPE[ADDRESS] such as",
      "u32[0xd0000000] or u8[p + 4] (TYPE: u8 u16 u32 u64 i8 i16 i32 i64). See docs/debugging.md.",
    ],
    async run(p) {
      if (p.positional.length > 1) throw new KtError("kt debug: expected at most one program (a .ts entry or a .elf image)");
      const program = p.positional[0];
      const memoryMB = intFlag(p, "--memory", "debug");
      if (memoryMB !== undefined && (memoryMB < 2 || memoryMB > 3072)) throw new KtError("kt debug: --memory takes 2 to 3072 (MiB)");
      const optimizeLevel = optLevel(p, "debug");
      const jit = p.flags.has("--jit") ? jitFlag(p, "debug") : undefined;
      if (program !== undefined && !/\.(ts|elf)$/.test(program)) throw new KtError(`kt debug: ${program}: expected a .ts entry or a .elf image`);
      if (p.flags.has("--repl")) {
        if (program === undefined) throw new KtError("kt debug --repl: which program? (a .ts entry or a .elf image)");
        return (await import("./debug/repl.ts")).runRepl(program, { memoryMB, optimizeLevel, jit });
      }
      const { DapServer } = await import("./debug/dap.ts");
      return new Promise<number>((resolve) => {
        new DapServer(process.stdin, process.stdout, { program, memoryMB, optimizeLevel, jit, onEnd: () => resolve(EXIT.OK) });
      });
    },
  },
  disasm: {
    usage: "kt disasm <program.ts | module.kbc> [--x86 [--jit [FUNCTION]]] [-O N]",
    summary: "print the kbc listing with function names and TS source lines (--x86: the guest image's x86 listing)",
    flags: {
      "--x86": { help: "list the x86 code and data of the guest image instead (interpreter, entry, tables), with label names" },
      "--jit": { help: "with --x86: the x86 the guest compiles for each function (or the one named after the program), under its TS lines and kbc instructions" },
      "-O": { value: "N", help: "asc optimisation level 0..3 (default 3)" },
    },
    async run(p) {
      if (p.flags.has("--jit")) {
        if (!p.flags.has("--x86")) throw new KtError("kt disasm: --jit needs --x86");
        if (p.positional.length < 1 || p.positional.length > 2) throw new KtError("kt disasm --x86 --jit: expected a program and at most one function name");
        const prog = await loadProgram(p.positional[0], p, "disasm");
        process.stdout.write(await (await import("./jit-listing.ts")).jitListing(prog.kbc as KbcModule, path.basename(p.positional[0]), p.positional[1]));
        return EXIT.OK;
      }
      const file = onePositional(p, "disasm", "program");
      const prog = await loadProgram(file, p, "disasm");
      if (p.flags.has("--x86")) process.stdout.write((await lazy.image()).linkImage(prog.kbc, path.basename(file)).listing());
      else process.stdout.write(disassemble(prog.kbc as KbcModule));
      return EXIT.OK;
    },
  },
};

/** `kt build --floppy`: the floppy image of an entry's Multiboot ELF (built) or of an .elf (as is). */
async function buildFloppyImage(p: Parsed): Promise<number> {
  const file = onePositional(p, "build", "entry file or image", path.join(path.relative(process.cwd(), REPO_ROOT) || ".", "kernel-ts/main.ts"));
  const out = (p.flags.get("-o") as string | undefined) ?? path.join(REPO_ROOT, "disk-images", "floppy.img");
  if (!out.endsWith(".img")) throw new KtError(`kt build --floppy: -o ${out}: the output is a floppy image (.img)`);
  const elf = await loadImage(file, p, "build --floppy");
  const { buildFloppy, FLOPPY_SECTORS } = await lazy.floppy();
  const f = buildFloppy(elf, path.basename(file));
  writeOutput(out, f.bytes);
  process.stderr.write(`kt build: ${path.relative(process.cwd(), out)}: ${f.usedSectors} of ${FLOPPY_SECTORS} sectors used `
    + `(boot sector 1, loader ${f.loaderSectors}, kernel ${f.table.kernelSectors}: ${elf.length} bytes from sector ${f.table.kernelLba})\n`);
  return EXIT.OK;
}

/** Seconds as a positive decimal number (--timeout). */
function secondsFlag(p: Parsed, name: string, cmd: string): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) throw new KtError(`kt ${cmd}: ${name} takes a number of seconds above 0, not '${v}'`);
  return Number(v);
}

type BootStep = { send: string } | { expect: RegExp };

function bootSteps(p: Parsed): BootStep[] {
  return p.seq.filter(([n]) => n === "--send" || n === "--expect").map(([n, v]): BootStep => {
    if (n === "--send") return { send: unescapeSend(v) };
    try { return { expect: new RegExp(v) }; } catch (e) {
      throw new KtError(`kt boot: --expect '${v}' is not a regular expression: ${(e as Error).message.split("\n")[0]}`);
    }
  });
}

/** An image file's bytes; a missing or unreadable file is a one-line KtError. */
function readImageFile(file: string): Uint8Array {
  try { return fs.readFileSync(file); } catch (e) {
    throw new KtError((e as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read`);
  }
}

/** Loads or builds the guest image: an .elf as is, a .ts through the image builder. */
async function loadImage(file: string, p: Parsed, cmd = "boot"): Promise<Uint8Array> {
  if (file.endsWith(".elf")) return readImageFile(file);
  if (!file.endsWith(".ts")) throw new KtError(`kt ${cmd}: ${file}: expected a .ts entry file or a .elf image`);
  const optimizeLevel = optLevel(p, cmd);
  return (await import("./image-cache.ts")).entryImage(file, optimizeLevel, jitFlag(p, cmd));
}

/** The floppy image to boot: a .img as is (checked), else the floppy of the loaded or built Multiboot image. */
async function loadFloppy(file: string, p: Parsed): Promise<Uint8Array> {
  if (!file.endsWith(".img")) return (await lazy.floppy()).buildFloppy(await loadImage(file, p), path.basename(file)).bytes;
  const img = readImageFile(file);
  const notFloppy = floppyImageError(img);
  if (notFloppy) throw new KtError(`kt boot: ${file}: ${notFloppy}`);
  return img;
}

/** The BIOS for v86's floppy boot: --bios PATH, else $KT_SEABIOS, else Debian's SeaBIOS; its size checked. */
function readBios(p: Parsed, machine: typeof import("./machine.ts")): Uint8Array {
  const file = (p.flags.get("--bios") as string | undefined) ?? (process.env.KT_SEABIOS || machine.SEABIOS_PATH);
  let bios: Uint8Array;
  try { bios = fs.readFileSync(file); } catch {
    throw new KtError(`kt boot --floppy: no BIOS at ${file} (apt-get install seabios, or give --bios PATH or set KT_SEABIOS)`);
  }
  const bad = machine.biosSizeError(bios.length);
  if (bad) throw new KtError(`kt boot --floppy: ${file}: ${bad}`);
  return bios;
}

/** Serial output to stdout byte for byte, written in batches (one write per event-loop turn). */
function stdoutWriter() {
  const pending: Uint8Array[] = [];
  let queued = false;
  const flush = () => {
    queued = false;
    if (pending.length) process.stdout.write(Buffer.concat(pending.splice(0)));
  };
  return {
    write(bytes: Uint8Array) {
      pending.push(bytes);
      if (!queued) { queued = true; setImmediate(flush); }
    },
    flush,
  };
}

const CTRL_RIGHT_BRACKET = 0x1d;
const QUIT_CODE = 130;

/**
 * Runs a booted machine for `kt boot`: the --send/--expect steps in order, then waits for the
 * guest's exit code. Serial output goes to stdout; with a TTY on stdin, keys go to COM1 and
 * Ctrl-] quits. Returns the exit code of kt.
 */
/** Piped input: how long a quiet guest waits for its next line, and ends the session after the last. */
const QUIET_MS = 1000;

async function driveMachine(m: SerialConsole, steps: BootStep[], timeoutMs: number | undefined, interactive: boolean,
  mods: { machine: typeof import("./machine.ts"); qemu: typeof import("./qemu.ts") }): Promise<number> {
  // Synchronous from here to onSerial: the guest is already running and its first bytes must not be missed.
  const { ExpectError, lastLines } = mods.machine;
  const { QemuMachine } = mods.qemu;
  const out = stdoutWriter();
  const unsubscribe = m.onSerial(out.write);
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  let quit!: () => void;
  const quitting = new Promise<"quit">((resolve) => { quit = () => resolve("quit"); });
  const stdin = process.stdin;
  const onKeys = (d: Buffer) => {
    const q = d.indexOf(CTRL_RIGHT_BRACKET);
    if (q !== 0) m.send(d.subarray(0, q < 0 ? d.length : q).toString("latin1"));
    if (q >= 0) quit();
  };
  if (interactive) {
    stdin.setRawMode(true);
    stdin.on("data", onKeys);
    stdin.resume();
    process.stderr.write("kt boot: keys go to the guest's COM1; Ctrl-] quits\n");
  }
  // Piped input (stdin not a terminal) goes to COM1 a line at a time, each once the guest prompts
  // (its output ends in "> ") or has been quiet for QUIET_MS, so a slow reader loses nothing. Once
  // the input has ended and been sent, the session ends (exit 0) when the guest has been quiet for
  // QUIET_MS at a prompt. Without a byte of input (e.g. </dev/null) the guest runs to its exit or
  // the timeout as before.
  let piped = false, pipeEnded = false, lastOutput = Date.now(), tail = "", queue = "", ready = false;
  const atPrompt = () => tail.endsWith("> ");
  const pump = () => {
    if (!ready || queue === "") return;
    const eol = queue.search(/[\r\n]/);
    const end = eol < 0 ? queue.length : queue.startsWith("\r\n", eol) ? eol + 2 : eol + 1;
    m.send(queue.slice(0, end));
    queue = queue.slice(end);
    ready = false;
  };
  const onPiped = (d: Buffer) => { piped = true; queue += d.toString("latin1"); pump(); };
  const onPipeEnd = () => { pipeEnded = true; };
  const noteOutput = m.onSerial((bytes) => {
    lastOutput = Date.now();
    tail = (tail + Buffer.from(bytes).toString("latin1")).slice(-2);
    if (atPrompt()) { ready = true; pump(); }
  });
  let quietTimer: ReturnType<typeof setInterval> | undefined;
  const quiet = new Promise<"quiet">((resolve) => {
    quietTimer = setInterval(() => {
      const still = Date.now() - lastOutput >= QUIET_MS;
      if (still && !ready) { ready = true; pump(); }
      if (piped && pipeEnded && queue === "" && still && atPrompt()) resolve("quiet");
    }, 100);
  });
  if (!interactive) {
    stdin.on("data", onPiped);
    stdin.on("end", onPipeEnd);
    stdin.resume();
  }
  const timeoutReport = (waiting: string) => {
    out.flush();
    const tail = lastLines(m.output(), 20);
    process.stderr.write(`kt boot: timed out after ${timeoutMs! / 1000} s ${waiting}; last 20 serial lines:\n${tail ? tail + "\n" : "(no output)\n"}`);
    return EXIT.TIMEOUT;
  };
  try {
    for (const step of steps) {
      if ("send" in step) { m.send(step.send); continue; }
      const remaining = deadline === undefined ? 0x7fffffff : Math.max(0, deadline - Date.now());
      const r = await Promise.race([m.expect(step.expect, remaining).then(() => "matched" as const, (e: unknown) => e), quitting]);
      if (r === "matched") continue;
      if (r === "quit") { out.flush(); return QUIT_CODE; }
      if (!(r instanceof ExpectError)) throw r;
      if (r.reason === "timeout") return timeoutReport(`waiting for ${step.expect}`);
      out.flush();
      const code = await m.exited;
      process.stderr.write(`kt boot: the guest exited with code ${code} before ${step.expect} appeared\n`);
      return code || 1;
    }
    const r = await Promise.race([m.exited, timedOut, quitting, quiet]);
    out.flush();
    if (r === "timeout") return timeoutReport("waiting for the guest to exit");
    if (r === "quit") return QUIT_CODE;
    if (r === "quiet") return EXIT.OK;
    if (m instanceof QemuMachine && m.note) {
      process.stderr.write(m.note + "\n");
      if (m.failed) return EXIT.USAGE;
    }
    return r;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    clearInterval(quietTimer);
    unsubscribe();
    noteOutput();
    if (interactive) {
      stdin.off("data", onKeys);
      stdin.setRawMode(false);
      stdin.pause();
    } else {
      stdin.off("data", onPiped);
      stdin.off("end", onPipeEnd);
      stdin.pause();
      stdin.destroy();
    }
    await m.stop();
    out.flush();
  }
}

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
  const notes = c.notes ? ["", ...c.notes] : [];
  return [`usage: ${c.usage}`, "", c.summary, "", "options:", ...flags, `  ${"--help".padEnd(16)} show this help`, ...notes, ""].join("\n");
}

function mainHelp(): string {
  const cmds = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`);
  return ["usage: kt <command> [options]", "", "commands:", ...cmds, "", "kt <command> --help shows a command's options.",
    "exit codes: the program's own exit code; 3 on panic; 2 on usage or build errors; 124 on a kt boot timeout.", ""].join("\n");
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
