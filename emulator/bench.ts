// `kt bench vm`: the VM benchmark. Each program of kernel-ts/bench/ brackets its work with
// markers (kernel.mark): 1–2 around the first (cold) run, 3–4 around the second (warm) run. For
// each we report, between the warm markers:
//   kbc      kbc instructions executed (host interpreter, counted exactly)
//   x86      guest x86 instructions (v86's counter; repeatable to the instruction)
//   x86/kbc  their ratio
// and wall time: guest cold and warm (v86), the host kbc interpreter, and the same wasm under V8;
// then the same in the guest with the compiling tier (--jit lazy: the cold run includes compiling);
// then each program's native twin (kernel-ts/bench/c/, gcc -O2 -m32, emulator/bench-native.ts)
// booted in v86 the same way: its warm x86 instructions and ms, and the warm x86 instructions of
// the interpreter and of the compiled code per C instruction. Without a gcc for i386 the C column
// is left out with the reason. Wall times are noisy on a shared machine; the instruction counts
// are the figures to compare.

import path from "node:path";
import { buildProgram } from "../toolchain/build.ts";
import { REPO_ROOT } from "../toolchain/asc.ts";
import { KtError } from "../toolchain/errors.ts";
import { HostDevices } from "./host/devices.ts";
import { runKbc, runWasm } from "./host/run.ts";
import { linkImage } from "../boot/image.ts";
import { Machine, lastLines, type Mark } from "./machine.ts";
import { probeNative, buildNative, runNative, NATIVE_CFLAGS } from "./bench-native.ts";

export const VM_BENCH_PROGRAMS = ["fib", "sieve", "memcopy", "hash64"];

export interface VmBenchRow {
  program: string;
  kbcInstructions: number;
  guestInstructions: number;
  x86PerKbc: number;
  guestColdMs: number;
  guestWarmMs: number;
  /** With the compiling tier (lazy). */
  jitInstructions: number;
  jitX86PerKbc: number;
  jitColdMs: number;
  jitWarmMs: number;
  hostKbcMs: number;
  v8Ms: number;
  /** The C twin in v86: x86 instructions and ms between the warm markers (absent when left out). */
  nativeInstructions?: number;
  nativeWarmMs?: number;
  /** Warm x86 instructions per C x86 instruction: the interpreter's, the compiled code's. */
  interpPerNative?: number;
  jitPerNative?: number;
  /** Why this program's C twin is left out while the others are there (hash64 without a 32-bit libgcc). */
  nativeSkipped?: string;
}

export interface VmBenchReport {
  rows: VmBenchRow[];
  meanX86PerKbc: number;
  meanJitX86PerKbc: number;
  hotCodeBytes: number;
  /** The C column's compiler (gcc --version, first line) and flags; absent when it is left out. */
  nativeCompiler?: string;
  nativeFlags?: string;
  /** Over the programs with a C twin: interpreter and compiled x86 instructions per C instruction. */
  meanInterpPerNative?: number;
  meanJitPerNative?: number;
  /** Why the C column is left out (no gcc that builds i386 code). */
  nativeSkipped?: string;
}

const between = <T extends { id: number }>(marks: T[], a: number, b: number, what: string): [T, T] => {
  const x = marks.find((m) => m.id === a), y = marks.find((m) => m.id === b);
  if (!x || !y) throw new KtError(`kt bench: ${what} did not emit markers ${a} and ${b}`);
  return [x, y];
};

/** Runs one benchmark program every way. */
export async function benchProgram(name: string): Promise<{ row: VmBenchRow; hotCodeBytes: number }> {
  const file = path.join(REPO_ROOT, "kernel-ts/bench", `${name}.ts`);
  const prog = await buildProgram(file);

  const counted = new HostDevices(() => {});
  runKbc(prog.kbc, counted, { profile: true });
  const [k3, k4] = between(counted.marks, 3, 4, name);

  const timed = new HostDevices(() => {});
  runKbc(prog.kbc, timed);
  const [t3, t4] = between(timed.marks, 3, 4, name);

  const v8 = new HostDevices(() => {});
  runWasm(prog.wasm, prog.sourceMap, v8, {}, prog.kbc.memoryBytes);
  const [v3, v4] = between(v8.marks, 3, 4, name);

  const guest = async (jit: "off" | "lazy") => {
    const img = linkImage(prog.kbc, name, { jit });
    const m = await Machine.boot(img.elf, { memoryMB: 64 });
    const code = await m.exited;
    await m.stop();
    if (code !== 0) throw new KtError(`kt bench: ${name} exited with ${code} in the guest (--jit ${jit}):\n${m.output()}`);
    const g = (a: number, b: number): [Mark, Mark] => between(m.marks, a, b, name);
    const [g1, g2] = g(1, 2), [g3, g4] = g(3, 4);
    return { img, output: m.output(), x86: g4.instructions - g3.instructions, coldMs: +(g2.ms - g1.ms).toFixed(1), warmMs: +(g4.ms - g3.ms).toFixed(1) };
  };
  const off = await guest("off"), jit = await guest("lazy");
  const kbc = k4.executed - k3.executed, x86 = off.x86;
  const native = await nativeFigures(name, lastLines(off.output, 1), x86, jit.x86);
  return {
    hotCodeBytes: off.img.layout.text.hotSize,
    row: {
      program: name, kbcInstructions: kbc, guestInstructions: x86, x86PerKbc: +(x86 / kbc).toFixed(2),
      guestColdMs: off.coldMs, guestWarmMs: off.warmMs,
      jitInstructions: jit.x86, jitX86PerKbc: +(jit.x86 / kbc).toFixed(2), jitColdMs: jit.coldMs, jitWarmMs: jit.warmMs,
      hostKbcMs: +(t4.ms - t3.ms).toFixed(1), v8Ms: +(v4.ms - v3.ms).toFixed(2),
      ...native,
    },
  };
}

/**
 * The C twin's columns of a row: built and booted (emulator/bench-native.ts), its result line
 * checked against the kernel-ts program's (`line`), its warm count set against the interpreter's
 * (`x86`) and the compiled code's (`jitX86`). Nothing when gcc cannot build i386 code at all (the
 * report says why once); `nativeSkipped` when this program's twin cannot be built here.
 */
async function nativeFigures(name: string, line: string, x86: number, jitX86: number): Promise<Partial<VmBenchRow>> {
  if (!probeNative().ok) return {};
  const built = buildNative(name);
  if ("skipped" in built) return { nativeSkipped: built.skipped };
  const run = await runNative(name, built.elf);
  const cLine = lastLines(run.output, 1);
  if (cLine !== line) throw new KtError(`kt bench: the native twin of ${name} printed '${cLine}', the kernel-ts program '${line}'`);
  const c = run.warmInstructions;
  return { nativeInstructions: c, nativeWarmMs: run.warmMs, interpPerNative: +(x86 / c).toFixed(2), jitPerNative: +(jitX86 / c).toFixed(2) };
}

export async function benchVm(programs = VM_BENCH_PROGRAMS): Promise<VmBenchReport> {
  const rows: VmBenchRow[] = [];
  let hotCodeBytes = 0;
  for (const p of programs) {
    const r = await benchProgram(p);
    rows.push(r.row);
    hotCodeBytes = r.hotCodeBytes;
  }
  const total = rows.reduce((a, r) => ({ k: a.k + r.kbcInstructions, x: a.x + r.guestInstructions, j: a.j + r.jitInstructions }), { k: 0, x: 0, j: 0 });
  const report: VmBenchReport = { rows, meanX86PerKbc: +(total.x / total.k).toFixed(2), meanJitX86PerKbc: +(total.j / total.k).toFixed(2), hotCodeBytes };
  const probe = probeNative();
  if (!probe.ok) return { ...report, nativeSkipped: probe.reason };
  const twins = rows.filter((r) => r.nativeInstructions !== undefined);
  const c = twins.reduce((a, r) => ({ n: a.n + r.nativeInstructions!, x: a.x + r.guestInstructions, j: a.j + r.jitInstructions }), { n: 0, x: 0, j: 0 });
  return {
    ...report, nativeCompiler: probe.compiler, nativeFlags: NATIVE_CFLAGS.join(" "),
    ...(c.n > 0 ? { meanInterpPerNative: +(c.x / c.n).toFixed(2), meanJitPerNative: +(c.j / c.n).toFixed(2) } : {}),
  };
}

/** A plain-text table of the report. */
export function formatVmBench(r: VmBenchReport): string {
  const withC = r.nativeSkipped === undefined;
  const head = ["program", "kbc instr", "x86 instr", "x86/kbc", "guest cold ms", "guest warm ms", "JIT x86", "JIT x86/kbc", "JIT cold ms", "JIT warm ms", "host kbc ms", "V8 ms",
    ...(withC ? ["C x86", "C warm ms", "interp/C", "JIT/C"] : [])];
  const rows = r.rows.map((x) => [x.program, x.kbcInstructions, x.guestInstructions, x.x86PerKbc, x.guestColdMs, x.guestWarmMs,
    x.jitInstructions, x.jitX86PerKbc, x.jitColdMs, x.jitWarmMs, x.hostKbcMs, x.v8Ms,
    ...(withC ? [x.nativeInstructions, x.nativeWarmMs, x.interpPerNative, x.jitPerNative].map((v) => v ?? "-") : [])].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  const native = !withC ? [`C twins (kernel-ts/bench/c/): the C column is left out: ${r.nativeSkipped}`]
    : [`C twins (kernel-ts/bench/c/, ${r.nativeCompiler}, ${r.nativeFlags})` + (r.meanInterpPerNative === undefined ? ""
      : `; warm x86 instructions per C instruction (programs with a twin): interpreter ${r.meanInterpPerNative}, compiled (--jit lazy) ${r.meanJitPerNative}`),
      ...r.rows.filter((x) => x.nativeSkipped).map((x) => `C twin of ${x.program} left out: ${x.nativeSkipped}`)];
  return [line(head), ...rows.map(line), "",
    `x86 instructions per kbc instruction (all programs): interpreter ${r.meanX86PerKbc}, compiled (--jit lazy) ${r.meanJitX86PerKbc}; interpreter hot code: ${r.hotCodeBytes} bytes`,
    ...native, ""].join("\n");
}
