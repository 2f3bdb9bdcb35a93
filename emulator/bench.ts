// `kt bench vm`: the VM benchmark. Each program of kernel-ts/bench/ brackets its work with
// markers (kernel.mark): 1–2 around the first (cold) run, 3–4 around the second (warm) run. For
// each we report, between the warm markers:
//   kbc      kbc instructions executed (host interpreter, counted exactly)
//   x86      guest x86 instructions (v86's counter; repeatable to the instruction)
//   x86/kbc  their ratio
// and wall time: guest cold and warm (v86), the host kbc interpreter, and the same wasm under V8;
// then the same in the guest with the compiling tier (--jit lazy: the cold run includes compiling).
// Wall times are noisy on a shared machine; the instruction counts are the figures to compare.

import path from "node:path";
import { buildProgram } from "../toolchain/build.ts";
import { REPO_ROOT } from "../toolchain/asc.ts";
import { KtError } from "../toolchain/errors.ts";
import { HostDevices } from "./host/devices.ts";
import { runKbc, runWasm } from "./host/run.ts";
import { linkImage } from "../boot/image.ts";
import { Machine, type Mark } from "./machine.ts";

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
}

export interface VmBenchReport {
  rows: VmBenchRow[];
  meanX86PerKbc: number;
  meanJitX86PerKbc: number;
  hotCodeBytes: number;
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
    return { img, x86: g4.instructions - g3.instructions, coldMs: +(g2.ms - g1.ms).toFixed(1), warmMs: +(g4.ms - g3.ms).toFixed(1) };
  };
  const off = await guest("off"), jit = await guest("lazy");
  const kbc = k4.executed - k3.executed, x86 = off.x86;
  return {
    hotCodeBytes: off.img.layout.text.hotSize,
    row: {
      program: name, kbcInstructions: kbc, guestInstructions: x86, x86PerKbc: +(x86 / kbc).toFixed(2),
      guestColdMs: off.coldMs, guestWarmMs: off.warmMs,
      jitInstructions: jit.x86, jitX86PerKbc: +(jit.x86 / kbc).toFixed(2), jitColdMs: jit.coldMs, jitWarmMs: jit.warmMs,
      hostKbcMs: +(t4.ms - t3.ms).toFixed(1), v8Ms: +(v4.ms - v3.ms).toFixed(2),
    },
  };
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
  return { rows, meanX86PerKbc: +(total.x / total.k).toFixed(2), meanJitX86PerKbc: +(total.j / total.k).toFixed(2), hotCodeBytes };
}

/** A plain-text table of the report. */
export function formatVmBench(r: VmBenchReport): string {
  const head = ["program", "kbc instr", "x86 instr", "x86/kbc", "guest cold ms", "guest warm ms", "JIT x86", "JIT x86/kbc", "JIT cold ms", "JIT warm ms", "host kbc ms", "V8 ms"];
  const rows = r.rows.map((x) => [x.program, x.kbcInstructions, x.guestInstructions, x.x86PerKbc, x.guestColdMs, x.guestWarmMs,
    x.jitInstructions, x.jitX86PerKbc, x.jitColdMs, x.jitWarmMs, x.hostKbcMs, x.v8Ms].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(head), ...rows.map(line), "",
    `x86 instructions per kbc instruction (all programs): interpreter ${r.meanX86PerKbc}, compiled (--jit lazy) ${r.meanJitX86PerKbc}; interpreter hot code: ${r.hotCodeBytes} bytes`, ""].join("\n");
}
