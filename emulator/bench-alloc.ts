// `kt bench alloc`: the churn trace (../shared/bench/churn.md; kernel-ts/bench/churn.ts) in one
// run, every way it is measured:
//   host   ns per trace step under V8 for our tlsf and palloc (kernel-ts/bench/alloc.ts), beside
//          AssemblyScript's own TLSF runtime (kernel-ts/bench/peer-as-tlsf.ts) and @thi.ng/malloc
//          (the same trace in JS); the best of RUNS runs per seed, peers interleaved per seed so a
//          noisy machine hurts all alike; the ratios are taken per seed, then averaged.
//   guest  emulated x86 instructions per step in v86 for tlsf and palloc, the trace loop's own
//          count (the allocator never called) measured separately and subtracted: compiled with
//          paging on (as the kernel runs its heaps), compiled with paging off, interpreted.
//   sweep  TLSF per step across pool sizes 64 KiB .. 256 MiB (flat = O(1)), host and guest.
//   frag   peak heap span / peak live requested bytes.
// Instruction counts repeat to the instruction; wall times are noisy and only ratios mean much.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MemPool } from "@thi.ng/malloc";
import { buildProgram } from "../toolchain/build.ts";
import { compileProgram, REPO_ROOT } from "../toolchain/asc.ts";
import { KtError } from "../toolchain/errors.ts";
import { HostDevices } from "./host/devices.ts";
import { hostImports, WA } from "./host/run.ts";
import { writeHostBootInfo } from "./host/bootinfo.ts";
import { linkImage } from "../boot/image.ts";
import { Machine } from "./machine.ts";

export interface AllocBenchOptions {
  /** Seeds from 12345 (default 10). */
  seeds?: number;
  /** Trace steps per run (default 200,000). */
  steps?: number;
  /** Skip the guest (v86) measurements. */
  hostOnly?: boolean;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

const FIRST_SEED = 12345;
const POOL = 16 << 20; // the standard pool
const SWEEP = [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20];
const RUNS = 3;
const HOST_BASE = 16 << 20; // where the host's pools start in linear memory
const GUEST_MB = 300; // v86 memory: the image, then pools up to 256 MiB from the next MiB boundary

interface Timed { nsPerOp: number; perSeed: number[] }
interface Frag { mean: number; max: number }
interface GuestFigure { x86PerOp: number; loopX86PerOp: number; x86PerOpWithLoop: number; msPerOp: number }
export interface SweepRow { poolBytes: number; slots: number; maxSize: number; failed: number; hostNsPerOp: number; hostLoopNsPerOp: number; guestX86PerOp: number | null }

export interface AllocBenchReport {
  trace: { seeds: number[]; steps: number; poolBytes: number };
  host: {
    tlsf: Timed & { loopNsPerOp: number };
    palloc: Timed;
    asTlsf: Timed;
    thingMalloc: Timed;
    /** Per-seed mean of tlsf / AssemblyScript TLSF (target at most 1.2). */
    tlsfOverAsTlsf: number;
    /** Per-seed mean of @thi.ng/malloc / tlsf (target at least 30). */
    thingOverTlsf: number;
  };
  /**
   * With the compiling tier (the default, --jit lazy) and paging on, as the kernel runs its heaps
   * (compiled loads and stores then check no memory limit); `unpaged`: the same before paging;
   * `interpreted`: with --jit off (paging on).
   */
  guest: { tlsf: GuestFigure; palloc: GuestFigure; unpaged: { tlsf: GuestFigure; palloc: GuestFigure }; interpreted: { tlsf: GuestFigure; palloc: GuestFigure } } | null;
  sweep: SweepRow[];
  fragmentation: { tlsf: Frag; palloc: Frag; asTlsf: Frag; thingMalloc: Frag };
  targets: { guestTlsfX86PerOp: 440; guestTlsfX86PerOpCompiled: 294; hostTlsfOverAsTlsf: 1.2; thingOverTlsf: 30; tlsfFragmentation: 1.15 };
}

type Exports = Record<string, (...a: number[]) => number>;
const u = (x: number) => x >>> 0;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, digits: number) => +x.toFixed(digits);

/** The best (lowest) ns per step of RUNS runs: timing noise only ever adds. */
function best(steps: number, run: () => number, what: string): number {
  let ns = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    const failed = run();
    ns = Math.min(ns, Number(process.hrtime.bigint() - t0) / steps);
    if (failed !== 0) throw new KtError(`kt bench alloc: ${what}: ${failed} allocations failed in the standard pool`);
  }
  return ns;
}

/** The same trace as kernel-ts/bench/churn.ts, in JS over @thi.ng/malloc's MemPool. */
function thingChurn(seed: number, steps: number): { failed: number; peakLive: number; peakSpan: number } {
  const pool = new MemPool({ size: POOL, align: 8 });
  const mem = new Uint8Array(pool.buf);
  const slots = new Uint32Array(1024), sizes = new Uint32Array(1024);
  let rs = seed >>> 0, failed = 0, live = 0, peakLive = 0, lowest = Infinity, highest = 0, peakSpan = 0;
  const rnd = () => { let x = rs; x = (x ^ (x << 13)) >>> 0; x = (x ^ (x >>> 17)) >>> 0; x = (x ^ (x << 5)) >>> 0; rs = x; return x; };
  for (let i = 0; i < steps; i++) {
    const s = rnd() % 1024;
    if (slots[s] !== 0) { pool.free(slots[s]); live -= sizes[s]; slots[s] = 0; continue; }
    const r = rnd() % 100;
    const size = r < 70 ? 16 + rnd() % 113 : r < 95 ? 129 + rnd() % 3968 : 4097 + rnd() % 61440;
    if (rnd() % 8 === 0) rnd(); // the alignment draw: one pool-wide alignment, so served 8-aligned
    const p = pool.malloc(size);
    if (p === 0) { failed++; continue; }
    mem[p] = 1; mem[p + size - 1] = 2;
    slots[s] = p; sizes[s] = size;
    live += size; if (live > peakLive) peakLive = live;
    if (p < lowest) lowest = p; if (p + size > highest) highest = p + size;
    if (highest - lowest > peakSpan) peakSpan = highest - lowest;
  }
  for (let s = 0; s < 1024; s++) if (slots[s] !== 0) pool.free(slots[s]);
  return { failed, peakLive, peakSpan };
}

async function loadKernelBench(): Promise<Exports> {
  const c = await compileProgram(path.join(REPO_ROOT, "kernel-ts/bench/alloc.ts"));
  const pages = (HOST_BASE + SWEEP[SWEEP.length - 1] + (2 << 20)) / 65536;
  const memory = new WA.Memory({ initial: pages, maximum: pages });
  const dev = new HostDevices(() => {});
  writeHostBootInfo(new Uint8Array(memory.buffer), dev, HOST_BASE);
  return new WA.Instance(new WA.Module(c.wasm), hostImports(memory, dev)).exports as unknown as Exports;
}

async function loadAsPeer(): Promise<Exports> {
  const c = await compileProgram(path.join(REPO_ROOT, "kernel-ts/bench/peer-as-tlsf.ts"), { runtime: "minimal" });
  const abort = () => { throw new KtError("kt bench alloc: AssemblyScript's TLSF aborted"); };
  return new WA.Instance(new WA.Module(c.wasm), { env: { abort } }).exports as unknown as Exports;
}

function host(k: Exports, as: Exports, seeds: number[], steps: number) {
  const tlsf = (seed: number, loopOnly: number) => k.churn_tlsf(seed, steps, HOST_BASE, POOL, loopOnly);
  const palloc = (seed: number) => k.churn_palloc(seed, steps, HOST_BASE, POOL, 0);
  k.churn_shape(1024, 65536);
  for (let i = 0; i < 3; i++) { tlsf(1, 0); palloc(1); as.churn(1, steps); thingChurn(1, Math.min(steps, 20000)); } // let V8 tier up
  const t = { tlsf: [] as number[], loop: [] as number[], palloc: [] as number[], as: [] as number[], thing: [] as number[] };
  const frag = { tlsf: [] as number[], palloc: [] as number[], as: [] as number[], thing: [] as number[] };
  const ratio = { as: [] as number[], thing: [] as number[] };
  const fragOf = (e: Exports) => u(e.churn_peak_span()) / u(e.churn_peak_live());
  for (const seed of seeds) {
    t.tlsf.push(best(steps, () => tlsf(seed, 0), "tlsf")); frag.tlsf.push(fragOf(k));
    t.as.push(best(steps, () => as.churn(seed, steps), "AssemblyScript TLSF")); frag.as.push(fragOf(as));
    let th = { failed: 0, peakLive: 1, peakSpan: 0 };
    t.thing.push(best(steps, () => (th = thingChurn(seed, steps)).failed, "@thi.ng/malloc")); frag.thing.push(th.peakSpan / th.peakLive);
    t.palloc.push(best(steps, () => palloc(seed), "palloc")); frag.palloc.push(fragOf(k));
    t.loop.push(best(steps, () => tlsf(seed, 1), "the loop"));
    const i = t.tlsf.length - 1;
    ratio.as.push(t.tlsf[i] / t.as[i]);
    ratio.thing.push(t.thing[i] / t.tlsf[i]);
  }
  const timed = (xs: number[]): Timed => ({ nsPerOp: round(mean(xs), 1), perSeed: xs.map((x) => round(x, 1)) });
  const fr = (xs: number[]): Frag => ({ mean: round(mean(xs), 3), max: round(Math.max(...xs), 3) });
  return {
    host: {
      tlsf: { ...timed(t.tlsf), loopNsPerOp: round(mean(t.loop), 1) }, palloc: timed(t.palloc), asTlsf: timed(t.as), thingMalloc: timed(t.thing),
      tlsfOverAsTlsf: round(mean(ratio.as), 3), thingOverTlsf: round(mean(ratio.thing), 1),
    },
    fragmentation: { tlsf: fr(frag.tlsf), palloc: fr(frag.palloc), asTlsf: fr(frag.as), thingMalloc: fr(frag.thing) },
  };
}

/** An exported constant of the module (a wasm global). */
const global = (e: Exports, name: string) => u((e[name] as unknown as { value: number }).value);

function hostSweep(k: Exports, steps: number): SweepRow[] {
  return SWEEP.map((pool) => {
    const slots = global(k, "SWEEP_SLOTS"), max = global(k, "SWEEP_MAX");
    k.churn_shape(slots, max);
    let failed = 0;
    const ns = best(steps, () => { failed = k.churn_tlsf(FIRST_SEED, steps, HOST_BASE, pool, 0); return 0; }, "tlsf");
    const loop = best(steps, () => k.churn_tlsf(FIRST_SEED, steps, HOST_BASE, pool, 1), "the loop");
    k.churn_shape(1024, 65536);
    return { poolBytes: pool, slots, maxSize: max, failed, hostNsPerOp: round(ns, 1), hostLoopNsPerOp: round(loop, 1), guestX86PerOp: null };
  });
}

interface GuestRun { n: number; alloc: string; seed: number; pool: number; failed: number; peakLive: number; peakSpan: number; loop: number; total: number; ms: number }

/** Boots the guest side of kernel-ts/bench/alloc.ts (allocBench) and pairs its lines with its markers. */
/** `paged`: paging on first, as the kernel runs its heaps; `sweep`: the pool-size sweep too. */
async function guest(seeds: number, steps: number, log: (l: string) => void, jit: "lazy" | "off", paged: boolean, sweep: boolean): Promise<GuestRun[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-bench-alloc-"));
  try {
    const entry = path.join(dir, "alloc-bench.ts");
    fs.writeFileSync(entry, `import { allocBench } from "kernel-ts/bench/alloc";\n` +
      `export function kmain(): void { allocBench(${FIRST_SEED}, ${seeds}, ${steps}, ${sweep ? steps : 0}, ${paged}); }\n`);
    const prog = await buildProgram(entry);
    const m = await Machine.boot(linkImage(prog.kbc, "alloc-bench", { jit }).elf, { memoryMB: GUEST_MB });
    let partial = "";
    m.onSerial((bytes) => {
      const lines = (partial + new TextDecoder().decode(bytes)).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.startsWith("run ")) log(`guest: ${l}`);
    });
    const code = await m.exited;
    await m.stop();
    const out = m.output();
    if (code !== 0 || !out.includes("done\n")) throw new KtError(`kt bench alloc: the guest exited with ${code}:\n${out.trimEnd().split("\n").slice(-10).join("\n")}`);
    const runs: GuestRun[] = [];
    for (const line of out.split("\n")) {
      const f = line.split(" ");
      if (f[0] !== "run" || f[7] === "skip") continue;
      const n = Number(f[1]);
      const mk = (i: number) => {
        const x = m.marks.find((y) => y.id === 4 * n + i);
        if (!x) throw new KtError(`kt bench alloc: the guest did not emit marker ${4 * n + i}`);
        return x;
      };
      runs.push({
        n, alloc: f[2], seed: Number(f[3]), pool: Number(f[4]), failed: Number(f[7]), peakLive: Number(f[8]), peakSpan: Number(f[9]),
        loop: mk(2).instructions - mk(1).instructions, total: mk(4).instructions - mk(3).instructions, ms: mk(4).ms - mk(3).ms,
      });
    }
    return runs;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the whole benchmark. */
export async function benchAlloc(opts: AllocBenchOptions = {}): Promise<AllocBenchReport> {
  const nSeeds = opts.seeds ?? 10, steps = opts.steps ?? 200_000, log = opts.log ?? (() => {});
  const seeds = Array.from({ length: nSeeds }, (_, i) => FIRST_SEED + i);
  const [k, as] = await Promise.all([loadKernelBench(), loadAsPeer()]);
  log("host: the standard trace");
  const h = host(k, as, seeds, steps);
  log("host: the TLSF pool-size sweep");
  const sweep = hostSweep(k, steps);
  let g: AllocBenchReport["guest"] = null;
  if (!opts.hostOnly) {
    log("guest: booting the benchmark in v86 (paging on, as the kernel runs its heaps)");
    const runs = await guest(nSeeds, steps, log, "lazy", true, true);
    log("guest: again with paging off (every load and store checks the memory limit)");
    const unpaged = await guest(nSeeds, steps, log, "lazy", false, false);
    log("guest: again with the interpreter only (--jit off)");
    const interp = await guest(nSeeds, steps, log, "off", true, false);
    const figure = (alloc: string, runs: GuestRun[]): GuestFigure => {
      const rs = runs.filter((r) => r.alloc === alloc && r.pool === POOL && r.n < 2 * nSeeds);
      if (rs.length !== nSeeds) throw new KtError(`kt bench alloc: the guest reported ${rs.length} ${alloc} runs, not ${nSeeds}`);
      const per = (x: number) => x / (steps * rs.length);
      const loop = rs.reduce((a, r) => a + r.loop, 0), total = rs.reduce((a, r) => a + r.total, 0);
      return { x86PerOp: round(per(total - loop), 1), loopX86PerOp: round(per(loop), 1), x86PerOpWithLoop: round(per(total), 1), msPerOp: round(rs.reduce((a, r) => a + r.ms, 0) / (steps * rs.length), 5) };
    };
    g = {
      tlsf: figure("tlsf", runs), palloc: figure("palloc", runs),
      unpaged: { tlsf: figure("tlsf", unpaged), palloc: figure("palloc", unpaged) },
      interpreted: { tlsf: figure("tlsf", interp), palloc: figure("palloc", interp) },
    };
    // The guest replays the host's trace over the same allocators: its figures must agree.
    for (const r of runs.filter((x) => x.n < 2 * nSeeds)) {
      const e = r.alloc === "tlsf" ? k.churn_tlsf : k.churn_palloc;
      const failed = e(r.seed, steps, HOST_BASE, POOL, 0);
      if (failed !== r.failed || u(k.churn_peak_live()) !== r.peakLive || u(k.churn_peak_span()) !== r.peakSpan) {
        throw new KtError(`kt bench alloc: ${r.alloc} seed ${r.seed}: the guest (failed ${r.failed}, live ${r.peakLive}, span ${r.peakSpan}) ` +
          `disagrees with the host (failed ${failed}, live ${u(k.churn_peak_live())}, span ${u(k.churn_peak_span())})`);
      }
    }
    for (const row of sweep) {
      const r = runs.find((x) => x.n >= 2 * nSeeds && x.pool === row.poolBytes);
      if (r) row.guestX86PerOp = round((r.total - r.loop) / steps, 1);
    }
  }
  return {
    trace: { seeds, steps, poolBytes: POOL },
    host: h.host, guest: g, sweep, fragmentation: h.fragmentation,
    targets: { guestTlsfX86PerOp: 440, guestTlsfX86PerOpCompiled: 294, hostTlsfOverAsTlsf: 1.2, thingOverTlsf: 30, tlsfFragmentation: 1.15 },
  };
}

/** The report as text. */
export function formatAllocBench(r: AllocBenchReport): string {
  const h = r.host, t = r.targets, fr = r.fragmentation;
  const kib = (b: number) => (b >= 1 << 20 ? `${b >> 20} MiB` : `${b >> 10} KiB`);
  const out = [
    `churn trace: seeds ${r.trace.seeds[0]}..${r.trace.seeds[r.trace.seeds.length - 1]}, ${r.trace.steps} steps each, ${kib(r.trace.poolBytes)} pool`,
    "",
    "host (V8), ns per step including the trace loop (best of 3 per seed, mean over seeds):",
    `  tlsf                 ${h.tlsf.nsPerOp}   (the loop alone ${h.tlsf.loopNsPerOp})`,
    `  palloc               ${h.palloc.nsPerOp}`,
    `  AssemblyScript TLSF  ${h.asTlsf.nsPerOp}`,
    `  @thi.ng/malloc       ${h.thingMalloc.nsPerOp}`,
    `  tlsf / AssemblyScript TLSF ${h.tlsfOverAsTlsf} (target at most ${t.hostTlsfOverAsTlsf}); @thi.ng/malloc / tlsf ${h.thingOverTlsf} (target at least ${t.thingOverTlsf})`,
    "",
  ];
  if (r.guest) {
    const g = (name: string, x: GuestFigure) => `  ${name.padEnd(7)} ${x.x86PerOp} per op (${x.x86PerOpWithLoop} with the loop, the loop alone ${x.loopX86PerOp}); ${(x.msPerOp * 1000).toFixed(2)} µs per step`;
    out.push("guest (v86, paging on as in the kernel, compiled: --jit lazy), x86 instructions per step, the trace loop subtracted:",
      g("tlsf", r.guest.tlsf) + ` (targets: at most ${t.guestTlsfX86PerOp}; compiled, 2× mattconte's C TLSF: ${t.guestTlsfX86PerOpCompiled})`, g("palloc", r.guest.palloc),
      "guest (v86, paging off: compiled loads and stores check the memory limit):", g("tlsf", r.guest.unpaged.tlsf), g("palloc", r.guest.unpaged.palloc),
      "guest (v86, paging on, interpreted: --jit off):", g("tlsf", r.guest.interpreted.tlsf), g("palloc", r.guest.interpreted.palloc), "");
  }
  out.push(`TLSF across pool sizes: one seed, the same trace in every pool (${r.sweep[0].slots} slots, requests up to ${r.sweep[0].maxSize} bytes):`,
    "  pool      slots  max req  failed  host ns/step  guest x86/op");
  for (const s of r.sweep) {
    out.push(`  ${kib(s.poolBytes).padEnd(8)} ${String(s.slots).padStart(6)} ${String(s.maxSize).padStart(8)} ${String(s.failed).padStart(7)} ${String(s.hostNsPerOp).padStart(13)} ${String(s.guestX86PerOp ?? "-").padStart(13)}`);
  }
  out.push("", "fragmentation (peak heap span / peak live bytes), mean and worst over seeds:",
    `  tlsf ${fr.tlsf.mean} / ${fr.tlsf.max} (target at most ${t.tlsfFragmentation}); palloc ${fr.palloc.mean} / ${fr.palloc.max}; ` +
    `AssemblyScript TLSF ${fr.asTlsf.mean} / ${fr.asTlsf.max}; @thi.ng/malloc ${fr.thingMalloc.mean} / ${fr.thingMalloc.max}`, "");
  return out.join("\n");
}
