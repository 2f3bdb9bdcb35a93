// The page's debug panel (kt web --debug; docs/debugging.md): over a Debugger (emulator/debug/
// session.ts, the same as kt debug's) on the page's machine. The source of the selected frame with
// its line marked, breakpoints by clicking a line number, continue / pause / step buttons, the
// backtrace (click a frame to see its source and locals) and the locals. The image is a debug
// image: its sources and the debugger's labels come with it (emulator/debug/trailer.ts).

import { Debugger, type Frame, type Stop, type Variable } from "../debug/session.ts";
import type { Machine } from "../machine.ts";
import type { Carried } from "../debug/trailer.ts";
import type { KbcModule } from "../../toolchain/kbc/module.ts";

/** What the test hook reads (window.kt.debug()). */
export interface DebugView {
  state: "running" | "stopped" | "exited" | "detached";
  reason?: string;
  frames: { name: string; file: string | null; line: number }[];
  selected: number;
  locals: Variable[];
  file: string;
  breakpoints: Record<string, number[]>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class DebugPanel {
  private dbg: Debugger | undefined;
  private frames: Frame[] = [];
  private selected = 0;
  private locals: Variable[] = [];
  private state: DebugView["state"] = "running";
  private reason: string | undefined;
  private file: string;
  /**
   * Breakpoints by file: the lines asked for, and where each went (a line without code moves down;
   * null: nowhere, no code below it), index for index.
   */
  private asked = new Map<string, number[]>();
  private results = new Map<string, (number | null)[]>();
  /** The lines with a breakpoint, by file. */
  private get placed(): Map<string, number[]> {
    return new Map([...this.results].map(([f, r]) => [f, [...new Set(r.filter((x): x is number => x !== null))].sort((a, b) => a - b)]));
  }
  private readonly files: string[];
  private readonly ui = {
    panel: $<HTMLElement>("debug"), toggle: $<HTMLButtonElement>("debug-toggle"), source: $<HTMLOListElement>("dbg-source"),
    frames: $<HTMLOListElement>("dbg-frames"), locals: $<HTMLDListElement>("dbg-locals"), file: $<HTMLSelectElement>("dbg-file"),
    state: $<HTMLSpanElement>("dbg-state"), cont: $<HTMLButtonElement>("dbg-continue"), pause: $<HTMLButtonElement>("dbg-pause"),
    next: $<HTMLButtonElement>("dbg-next"), stepIn: $<HTMLButtonElement>("dbg-in"), stepOut: $<HTMLButtonElement>("dbg-out"),
  };

  constructor(private readonly carried: Carried, entry: string) {
    // The program's own files first (the entry's folder), then kernel-ts's.
    this.files = Object.keys(carried.sources).sort((a, b) => Number(a.startsWith("~")) - Number(b.startsWith("~")) || a.localeCompare(b));
    const base = entry.slice(entry.lastIndexOf("/") + 1);
    this.file = this.files.find((f) => f === base || f.endsWith("/" + base)) ?? this.files[0] ?? "";
    this.ui.file.replaceChildren(...this.files.map((f) => new Option(f, f)));
    this.ui.file.value = this.file;
    this.ui.file.addEventListener("change", () => { this.file = this.ui.file.value; this.renderSource(); });
    this.ui.toggle.hidden = false;
    this.ui.toggle.addEventListener("click", () => { this.ui.panel.hidden = !this.ui.panel.hidden; });
    this.ui.panel.hidden = false;
    this.ui.cont.addEventListener("click", () => this.go(() => this.dbg?.continue()));
    this.ui.next.addEventListener("click", () => this.go(() => this.dbg?.next()));
    this.ui.stepIn.addEventListener("click", () => this.go(() => this.dbg?.stepIn()));
    this.ui.stepOut.addEventListener("click", () => this.go(() => this.dbg?.stepOut()));
    this.ui.pause.addEventListener("click", () => this.dbg?.pause());
    this.ui.source.addEventListener("click", (e) => {
      const ln = (e.target as HTMLElement).closest(".ln");
      const li = ln?.parentElement as HTMLLIElement | undefined;
      if (li?.dataset.line) this.toggleBreakpoint(this.file, Number(li.dataset.line));
    });
    this.ui.frames.addEventListener("click", (e) => {
      const li = (e.target as HTMLElement).closest("li") as HTMLLIElement | null;
      if (li?.dataset.index) this.select(Number(li.dataset.index));
    });
    this.renderSource();
    this.renderState();
  }

  /** A new machine (a boot or a reboot): a debugger on it, with the breakpoints set so far. Call before it runs. */
  attach(machine: Machine, kbc: KbcModule): void {
    const dbg = new Debugger(machine, {
      kbc, labels: new Map(Object.entries(this.carried.labels)), info: this.carried.info,
      sourcePath: (f) => f, optimized: this.carried.optimized,
    });
    this.dbg = dbg;
    for (const [f, lines] of this.asked) this.place(f, lines);
    dbg.onStop((s) => { if (this.dbg === dbg) this.onStop(s); });
    dbg.onExit(() => { if (this.dbg !== dbg) return; this.state = "exited"; this.frames = []; this.locals = []; this.renderAll(); });
    this.state = "running"; this.frames = []; this.locals = []; this.reason = undefined;
    this.renderAll();
  }
  /** A machine without debug information runs now (a playground build): the panel has nothing to show. */
  detach(): void {
    this.dbg = undefined;
    this.state = "detached";
    this.frames = []; this.locals = []; this.reason = undefined;
    this.renderAll();
  }

  /** Starts the machine attach() was given. */
  start(): void { this.dbg?.start(false); }

  view(): DebugView {
    return {
      state: this.state, reason: this.reason, selected: this.selected, locals: this.locals, file: this.file,
      frames: this.frames.map((f) => ({ name: f.name, file: f.path, line: f.line })),
      breakpoints: Object.fromEntries(this.placed),
    };
  }

  private place(file: string, asked: number[]): void {
    this.asked.set(file, asked);
    this.results.set(file, this.dbg ? this.dbg.setBreakpoints(file, asked).map((r) => (r.verified && r.line ? r.line : null)) : asked.map(() => null));
  }

  /** A click on a line: removes the breakpoint there (every line asked for that went there), else asks for one. */
  private toggleBreakpoint(file: string, line: number): void {
    const asked = this.asked.get(file) ?? [], results = this.results.get(file) ?? [];
    const here = asked.filter((_, i) => results[i] === line);
    this.place(file, here.length ? asked.filter((_, i) => results[i] !== line) : asked.includes(line) ? asked : [...asked, line]);
    this.renderSource();
  }

  private go(action: () => void): void {
    if (this.state !== "stopped") return;
    this.state = "running"; this.reason = undefined; this.frames = []; this.locals = [];
    action();
    this.renderAll();
  }

  private onStop(s: Stop): void {
    this.state = "stopped";
    this.reason = s.text ? `${s.reason}: ${s.text}` : s.reason;
    this.frames = this.dbg!.stackTrace(s.threadId);
    this.select(0);
  }

  private select(i: number): void {
    const f = this.frames[i];
    if (!f || f.marker) return;
    this.selected = i;
    this.locals = this.dbg!.locals(f.id);
    if (f.path && this.carried.sources[f.path] !== undefined) { this.file = f.path; this.ui.file.value = f.path; }
    this.renderAll();
    this.ui.source.querySelector("li.current")?.scrollIntoView({ block: "center" });
  }

  private renderAll(): void { this.renderState(); this.renderFrames(); this.renderLocals(); this.renderSource(); }

  private renderState(): void {
    const stopped = this.state === "stopped";
    this.ui.state.textContent = this.state === "stopped" ? `stopped (${this.reason})`
      : this.state === "detached" ? "the kernel running has no debug information (a playground build)" : this.state;
    this.ui.state.classList.toggle("stopped", stopped);
    for (const b of [this.ui.cont, this.ui.next, this.ui.stepIn, this.ui.stepOut]) b.disabled = !stopped;
    this.ui.pause.disabled = this.state !== "running";
  }

  private renderFrames(): void {
    this.ui.frames.replaceChildren(...this.frames.map((f, i) => {
      const li = document.createElement("li");
      if (f.marker) { li.className = "marker"; li.textContent = f.name; return li; }
      li.dataset.index = String(i);
      li.className = i === this.selected ? "selected" : "";
      li.textContent = `${f.name} (${f.path ? f.path.slice(f.path.lastIndexOf("/") + 1) : "?"}:${f.line})`;
      return li;
    }));
  }

  private renderLocals(): void {
    this.ui.locals.replaceChildren(...this.locals.flatMap((v) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = v.name; dd.textContent = v.value;
      return [dt, dd];
    }));
  }

  private renderSource(): void {
    const text = this.carried.sources[this.file] ?? "";
    const bps = new Set(this.placed.get(this.file) ?? []);
    const f = this.frames[this.selected];
    const current = this.state === "stopped" && f && f.path === this.file ? f.line : -1;
    this.ui.source.replaceChildren(...text.split("\n").map((line, k) => {
      const li = document.createElement("li"), ln = document.createElement("span"), code = document.createElement("span");
      li.dataset.line = String(k + 1);
      ln.className = "ln"; ln.textContent = String(k + 1);
      code.className = "code"; code.textContent = line;
      li.className = [bps.has(k + 1) ? "bp" : "", k + 1 === current ? "current" : ""].join(" ").trim();
      li.append(ln, code);
      return li;
    }));
  }
}
