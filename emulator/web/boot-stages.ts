// Boot progress for the page: the page's own stages (the emulator, the image), then the kernel's,
// read from its serial output line by line (the lines kernel-ts/kernel.ts and main.ts print).
// No DOM here: the page renders `stages` after each change. Units: milliseconds since start().

export type StageState = "pending" | "active" | "done" | "failed";
export interface Stage { name: string; state: StageState; ms?: number; detail?: string }

/** A kernel stage: done when a line matches `done`; failed when `failed` matches first. */
interface KernelStage { name: string; done: RegExp; failed?: (m: RegExpMatchArray) => boolean }

export const PAGE_STAGES = ["emulator", "image"] as const;
const KERNEL_STAGES: KernelStage[] = [
  { name: "memory map", done: /^memory map:/ },
  { name: "balloc", done: /^balloc: arena / },
  { name: "frames", done: /^frames: \d+ free of \d+/ },
  { name: "paging", done: /^paging: on/ },
  { name: "palloc", done: /^palloc: pool / },
  { name: "tlsf", done: /^tlsf: heap / },
  { name: "selftest", done: /^selftest: \d+ passed, (\d+) failed/, failed: (m) => m[1] !== "0" },
];
const PROMPT = "kt> ";
const BOOT_LINE = "kernel-ts: booting"; // kernel-ts/main.ts's first line

/** The boot stages of one boot, in order; `changed` runs after every change. */
export class BootProgress {
  stages: Stage[] = [];
  private t0 = 0;
  private line = "";

  /** `changed` is not called for the initial, all-pending stages. */
  constructor(private changed: () => void) { this.fresh(); }

  /** Starts a new boot: every stage pending, the clock at 0. */
  reset(): void {
    this.fresh();
    this.changed();
  }

  private fresh(): void {
    this.t0 = performance.now();
    this.line = "";
    this.stages = [...PAGE_STAGES, ...KERNEL_STAGES.map((s) => s.name), "prompt"].map((name) => ({ name, state: "pending" }));
  }

  /** Marks a page stage active (the stages before it done). */
  begin(name: (typeof PAGE_STAGES)[number]): void { this.reach(name, "active"); }

  /** Marks stage `name` done with an optional detail (the stages before it done too). */
  done(name: string, detail?: string): void { this.reach(name, "done", detail); }

  /** Marks the current (first unfinished) stage failed with `detail`; once a stage failed, nothing more. */
  fail(detail: string): void {
    if (this.stages.some((x) => x.state === "failed")) return;
    const s = this.stages.find((x) => x.state === "pending" || x.state === "active");
    if (s) this.set(s, "failed", detail);
    this.changed();
  }

  /** True once the shell has prompted in this boot. */
  get prompted(): boolean { return this.stages[this.stages.length - 1].state === "done"; }

  /** Feeds serial output (latin1 text): finished lines advance the kernel stages. */
  serial(text: string): void {
    this.line += text;
    let nl: number;
    while ((nl = this.line.indexOf("\n")) >= 0) {
      this.kernelLine(this.line.slice(0, nl).replace(/\r$/, ""));
      this.line = this.line.slice(nl + 1);
    }
    if (!this.prompted && this.line.endsWith(PROMPT)) this.done("prompt");
  }

  private kernelLine(line: string): void {
    if (line.startsWith("PANIC: ")) { this.fail(line); return; }
    if (line === BOOT_LINE) { if (this.kernelStarted()) this.restartKernel(); return; }
    if (this.prompted) return; // the shell's own output (`heap` prints "tlsf: heap …" too)
    for (const k of KERNEL_STAGES) {
      const m = k.done.exec(line);
      if (!m) continue;
      if (k.failed?.(m)) { this.reach(k.name, "failed", line); return; }
      this.reach(k.name, "done", line);
      return;
    }
  }

  private kernelStarted(): boolean {
    return this.stages.some((s) => !(PAGE_STAGES as readonly string[]).includes(s.name) && s.state !== "pending");
  }

  /** The kernel started (again: the shell's `reboot` restarts it in the same machine): its stages pending. */
  private restartKernel(): void {
    for (const s of this.stages) {
      if ((PAGE_STAGES as readonly string[]).includes(s.name)) continue;
      s.state = "pending";
      s.ms = s.detail = undefined;
    }
    this.t0 = performance.now();
    this.changed();
  }

  /** Sets stage `name` to `state`; every stage before it that is not failed becomes done. */
  private reach(name: string, state: StageState, detail?: string): void {
    const i = this.stages.findIndex((s) => s.name === name);
    if (i < 0) return;
    for (let j = 0; j < i; j++) if (this.stages[j].state === "pending" || this.stages[j].state === "active") this.set(this.stages[j], "done");
    this.set(this.stages[i], state, detail);
    this.changed();
  }

  private set(s: Stage, state: StageState, detail?: string): void {
    s.state = state;
    if (detail !== undefined) s.detail = detail;
    if (state !== "pending" && state !== "active") s.ms = Math.round(performance.now() - this.t0);
  }
}
