// `kt bench boot`: from emulator start to the shell prompt, headless in Node: wall ms and guest
// x86 instructions, beside v86 booting a minimal Multiboot image that prints one byte, measured in
// the same run (RUNS boots each, alternating; medians reported), and the same kernel from the
// floppy through SeaBIOS when its BIOS file is there. Multiboot instruction counts repeat to the
// instruction (SeaBIOS's vary by about 1 %: its start-up waits on timers); wall times are noisy.

import path from "node:path";
import { Section, assemble } from "../boot/asm.ts";
import { writeElf } from "../boot/elf.ts";
import { buildImage } from "../boot/image.ts";
import { REPO_ROOT } from "../toolchain/asc.ts";
import { KtError } from "../toolchain/errors.ts";
import fs from "node:fs";
import { buildFloppy } from "../boot/floppy.ts";
import { Machine, SEABIOS_PATH } from "./machine.ts";

const RUNS = 5;
const PROMPT = /kt> /;

export interface BootFigure { wallMs: number; instructions: number; perRunMs: number[] }
export interface BootBenchReport {
  kernel: BootFigure;
  minimal: BootFigure;
  /** The kernel from its floppy through SeaBIOS; null, with the reason, when there is no BIOS file. */
  floppy: BootFigure | null;
  floppySkipped?: string;
  targets: { promptMs: 150; promptInstructions: 5_000_000 };
}

/** A Multiboot image that writes one byte to COM1 and halts. */
function minimalImage(): Uint8Array {
  const s = new Section("text", 0x100000);
  const MAGIC = 0x1badb002, FLAGS = 2;
  s.dd(MAGIC, FLAGS, (-(MAGIC + FLAGS)) >>> 0);
  s.label("entry").i("mov", "dx", 0x3f8).i("mov", "al", 0x2e).i("out", "dx", "al");
  s.label("halt").i("cli").i("hlt").jmp("halt");
  const out = assemble([s], new Map());
  return writeElf([{ addr: 0x100000, bytes: out.sections[0].bytes, flags: "rx" }], out.labels.get("entry")!);
}

/** Boots `elf` and waits for `until` in its serial output: wall ms from construction, instructions. */
async function bootOnce(elf: Uint8Array, until: RegExp, what: string, bios?: Uint8Array): Promise<{ ms: number; instructions: number }> {
  const t0 = performance.now();
  const m = bios ? await Machine.bootFloppy(elf, { memoryMB: 64, bios }) : await Machine.boot(elf, { memoryMB: 64 });
  try {
    await m.expect(until, 30_000);
    return { ms: performance.now() - t0, instructions: m.instructions() };
  } catch (e) {
    throw new KtError(`kt bench boot: ${what} did not reach ${until}: ${(e as Error).message.split("\n")[0]}`);
  } finally {
    await m.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function benchBoot(log: (line: string) => void = () => {}): Promise<BootBenchReport> {
  const kernel = (await buildImage(path.join(REPO_ROOT, "kernel-ts/main.ts"))).elf;
  const minimal = minimalImage();
  await bootOnce(minimal, /\./, "the minimal image"); // load v86's wasm once before timing
  const biosFile = process.env.KT_SEABIOS || SEABIOS_PATH;
  const bios = fs.existsSync(biosFile) ? fs.readFileSync(biosFile) : undefined;
  const floppy = bios ? buildFloppy(kernel, "main.elf").bytes : undefined;
  const k: { ms: number; instructions: number }[] = [], n: { ms: number; instructions: number }[] = [], f: typeof k = [];
  for (let i = 0; i < RUNS; i++) {
    n.push(await bootOnce(minimal, /\./, "the minimal image"));
    k.push(await bootOnce(kernel, PROMPT, "the kernel"));
    if (floppy) f.push(await bootOnce(floppy, PROMPT, "the floppy", bios));
    log(`run ${i + 1}: kernel ${k[i].ms.toFixed(1)} ms, minimal ${n[i].ms.toFixed(1)} ms${floppy ? `, floppy ${f[i].ms.toFixed(1)} ms` : ""}`);
  }
  const fig = (xs: { ms: number; instructions: number }[]): BootFigure => ({
    wallMs: +median(xs.map((x) => x.ms)).toFixed(1), instructions: median(xs.map((x) => x.instructions)),
    perRunMs: xs.map((x) => +x.ms.toFixed(1)),
  });
  return {
    kernel: fig(k), minimal: fig(n), floppy: floppy ? fig(f) : null,
    ...(floppy ? {} : { floppySkipped: `no SeaBIOS at ${biosFile} (apt-get install seabios, or set KT_SEABIOS)` }),
    targets: { promptMs: 150, promptInstructions: 5_000_000 },
  };
}

export function formatBootBench(r: BootBenchReport): string {
  return [
    `v86, headless in Node, from construction (median of ${RUNS} boots each):`,
    `  kernel to its shell prompt   ${r.kernel.wallMs} ms, ${r.kernel.instructions} guest x86 instructions (targets: ${r.targets.promptMs} ms, ${r.targets.promptInstructions})`,
    `  minimal image's first byte   ${r.minimal.wallMs} ms, ${r.minimal.instructions} instructions`,
    r.floppy ? `  kernel from its floppy       ${r.floppy.wallMs} ms, ${r.floppy.instructions} guest x86 instructions (SeaBIOS, our loader, the kernel)`
      : `  kernel from its floppy       not measured: ${r.floppySkipped}`,
    "",
  ].join("\n");
}
