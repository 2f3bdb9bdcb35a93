// A debugging session of a kernel-ts image in v86: breakpoints on TS lines and functions, stepping,
// pause, stops at panics, threads, backtraces, variables by their TS names, memory. The guest's
// part is boot/debug.ts (where the VM stops and waits); everything else happens here, on the
// host, by reading and writing guest memory and registers while v86 is stopped. Used by the DAP
// server (dap.ts), the terminal client (repl.ts) and the browser page; nothing here touches Node.
// See docs/debugging.md. Units: bytes; addresses are guest addresses (virtual once paging is on,
// translated through the guest's page tables) unless named physical.
//
// Breakpoints: the threaded instruction's handler word is replaced by op_BREAK (the original kept
// here); with the compiling tier, a function with a breakpoint is pinned to the interpreter
// (jit_pinned[f] = 1, jit_code[f] = its interpreted entry), and calls never become direct jumps
// (jit_indirect_calls), so every call goes where jit_code says. While stepping every function is
// pinned and the current thread's compiled return addresses are turned into threaded ones.
// Stepping plants temporary breakpoints (the current function's line starts, every function's
// entry for step in, the caller's return address) and filters their hits by thread and depth.

import type { Machine } from "../machine.ts";
import { type KbcModule, functionAt, lineAt, displayName } from "../../toolchain/kbc/module.ts";
import { TRAP_CODES, VM_CONTEXT as CX, DEBUG_PORT, THREADS_PORT, Op } from "../../toolchain/kbc/opcodes.ts";
import { TRAP } from "../../toolchain/errors.ts";
import { liveness, isLive, slotsRead } from "../../toolchain/kbc/liveness.ts";
import { type DebugInfo, type DebugVar, shortName, isInternal } from "../../toolchain/debuginfo.ts";
import { STOP, DEBUG_LINE, DBG_STOP_ON_PANIC, EXC_NAMES, TI } from "../../boot/abi.ts";

/** The image's labels the debugger reads and writes (boot/image.ts, vm.ts, jit.ts, debug.ts); the jit_ ones only with the compiling tier. */
export const DEBUGGER_LABELS = [
  "kbc_code", "op_BREAK", "dbg_go", "dbg_orig", "dbg_reason", "dbg_flags", "vm_ctl_floor", "irqret_insn", "vm_floor_cont",
  "vm_globals", "irq_pending", "irq_blocked", "irq_deliver", "vm_call_limit", "vm_saved_esp", "pf_reentered",
  "jit_code", "jit_pcmap", "jit_fend", "jit_area", "jit_end", "jit_interp_entries", "jit_pinned", "jit_indirect_calls", "jit_mem_limit",
];

export interface DebugTarget {
  /** The program's kbc module and the image's labels (at least DEBUGGER_LABELS). */
  kbc: KbcModule;
  labels: Map<string, number>;
  info: DebugInfo;
  /** The path a client knows a source by (absolute), from the line table's file name. */
  sourcePath(file: string): string;
  /** Built with asc optimisation (-O 1..3): locals that are not live may hold other values. */
  optimized: boolean;
}

export type StopReason = "entry" | "breakpoint" | "function breakpoint" | "step" | "pause" | "exception";
export interface Stop { reason: StopReason; description: string; text?: string; threadId: number }
export interface Frame {
  id: number;
  name: string;
  /** Absolute source path, or null (no line: runtime code). */
  path: string | null;
  line: number;
  pc: number;
  fn: number;
  /** The frame's slot base (its ebp). */
  base: number;
  /** An interrupt's boundary: not a function, a label between frames. */
  marker?: boolean;
  /** The innermost frame of its thread (about to run pc; the others are at a call). */
  top?: boolean;
}
export interface Variable { name: string; value: string; kind: "param" | "local" | "global"; address?: number }
export interface ThreadInfo { id: number; name: string }
export interface BreakpointResult { verified: boolean; line?: number; message?: string; path?: string }

type StepKind = "in" | "over" | "out";
interface StepState { kind: StepKind; floor: number; depth: number; fn: number; line: number }
/** A thread's VM registers as the debugger sees them: live in the CPU, or saved in its context. */
interface VmRegs { pc: number; ebp: number; edi: number; floor: number; live: boolean }

const EAX = 0, EBP = 5, ESI = 6, EDI = 7, ESP = 4;
const SWITCH = Op.SWITCH;
const IF = 1 << 9;
/** A backtrace shows at most this many frames (a control stack may be damaged, or very deep). */
const MAX_FRAMES = 256;

export class Debugger {
  private readonly m: KbcModule;
  private readonly L: (name: string) => number;
  private readonly jit: boolean;
  private readonly live: { ins: Uint32Array; outs: Uint32Array };
  /** Threaded instructions whose handler word is op_BREAK: pc → its own handler. */
  private readonly patched = new Map<number, number>();
  /** User breakpoints: pc → kind; stepping's temporary ones. */
  private readonly userBps = new Map<number, "line" | "function">();
  private sourceBps = new Map<string, number[]>();
  private functionBps: number[] = [];
  private readonly temps = new Set<number>();
  private entryBp = -1;
  /** Functions pinned to the interpreter: f → jit_code[f] before. */
  private readonly pinned = new Map<number, number>();
  private stepping: StepState | null = null;
  private stopInfo: (Stop & { pc: number; regsReason: number }) | null = null;
  private running = false;
  private started = false;
  private ended = false;
  private threadTable = 0;
  private frames = new Map<number, Frame>();
  private nextFrameId = 1;
  private stopListeners = new Set<(s: Stop) => void>();
  private exitListeners = new Set<(code: number) => void>();
  private pendingPause = false;
  private pauseTimer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly machine: Machine, readonly target: DebugTarget) {
    this.m = target.kbc;
    const labels = target.labels;
    this.L = (name) => {
      const v = labels.get(name);
      if (v === undefined) throw new Error(`the image has no ${name}: not a kernel-ts image?`);
      return v;
    };
    this.jit = labels.has("jit_code");
    this.live = liveness(this.m);
    machine.onPortWrite(DEBUG_PORT, () => { void this.onGuestStop(); });
    machine.onPortWrite(THREADS_PORT, (v) => { this.threadTable = v >>> 0; });
    void machine.exited.then((code) => { this.ended = true; this.running = false; this.clearPauseTimer(); for (const l of this.exitListeners) l(code); });
    // Calls go through jit_code from the start, so that pinning a function reaches every caller.
    if (this.jit) this.w32(this.L("jit_indirect_calls"), 1);
  }

  onStop(cb: (s: Stop) => void): void { this.stopListeners.add(cb); }
  onExit(cb: (code: number) => void): void { this.exitListeners.add(cb); }
  get isRunning(): boolean { return this.running; }
  get hasEnded(): boolean { return this.ended; }

  // ── breakpoints ──────────────────────────────────────────────────────────────────────────

  /** The kbc file name (line-table string index) of a client's source path, or -1. */
  private fileIndex(path: string): number[] {
    const norm = (p: string) => p.replace(/\\/g, "/");
    const want = norm(path);
    const out: number[] = [];
    this.m.strings.forEach((s, i) => {
      if (!s) return;
      const abs = norm(this.target.sourcePath(s));
      if (abs === want || want.endsWith("/" + norm(s)) || abs.endsWith("/" + want) || norm(s) === want) out.push(i);
    });
    return out;
  }

  /**
   * The breakpoints of one source file, replacing its earlier ones: each line at the first
   * instruction of that line, or of the next line below it that has code (said in `message`).
   */
  setBreakpoints(path: string, lines: number[]): BreakpointResult[] {
    for (const pc of this.sourceBps.get(path) ?? []) this.removeUserBp(pc, "line");
    const files = this.fileIndex(path);
    const placed: number[] = [];
    const results = lines.map((line): BreakpointResult => {
      let best: { line: number; pc: number } | null = null;
      for (const e of this.m.lines) {
        if (!files.includes(e.file) || e.line < line || e.line === 0) continue;
        if (functionAt(this.m, e.pc) < 0) continue;
        if (!best || e.line < best.line || (e.line === best.line && e.pc < best.pc)) best = { line: e.line, pc: e.pc };
      }
      if (!best) return { verified: false, message: files.length ? `no code at or after line ${line}` : `no code from ${path} in this image` };
      const pc = this.afterPrologue(best.pc);
      placed.push(pc);
      this.addUserBp(pc, "line");
      return { verified: true, line: best.line, message: best.line !== line ? `moved from line ${line} to line ${best.line}, the next with code` : undefined };
    });
    this.sourceBps.set(path, placed);
    return results;
  }

  /** Breakpoints at the entry of functions named (as displayed: `fib`, `Foo#bar`, or asc's full name). */
  setFunctionBreakpoints(names: string[]): BreakpointResult[] {
    for (const pc of this.functionBps) this.removeUserBp(pc, "function");
    this.functionBps = [];
    return names.map((name) => {
      const f = this.m.functions.findIndex((x) => x.name === name || displayName(x.name) === name);
      if (f < 0) return { verified: false, message: `no function ${name}` };
      const pc = this.afterPrologue(this.m.functions[f].start);
      this.functionBps.push(pc);
      this.addUserBp(pc, "function");
      const where = lineAt(this.m, pc);
      return { verified: true, line: where?.line, path: where ? this.target.sourcePath(where.file) : undefined };
    });
  }

  /** Exception filters: `panic` stops at a trap, a failed assertion or a CPU exception before its report. */
  setExceptionFilters(filters: string[]): void {
    const flags = this.r32(this.L("dbg_flags"));
    this.w32(this.L("dbg_flags"), filters.includes("panic") ? flags | DBG_STOP_ON_PANIC : flags & ~DBG_STOP_ON_PANIC);
  }

  /**
   * Past a function's prologue: the ZERO of its locals (wasm's locals start at 0), when pc is the
   * function's first instruction and the next is on the same line — so a stop at a function's
   * first line shows its locals as they start, not what the slots held before.
   */
  private afterPrologue(pc: number): number {
    const f = functionAt(this.m, pc);
    if (f < 0 || this.m.functions[f].start !== pc || (this.m.code[2 * pc] & 0xff) !== Op.ZERO || pc + 1 >= this.m.functions[f].start + this.m.functions[f].length) return pc;
    return lineAt(this.m, pc + 1)?.line === lineAt(this.m, pc)?.line ? pc + 1 : pc;
  }

  private addUserBp(pc: number, kind: "line" | "function"): void {
    if (!this.userBps.has(pc)) this.userBps.set(pc, kind);
    this.patch(pc);
    this.pin(functionAt(this.m, pc));
  }
  private removeUserBp(pc: number, kind: "line" | "function"): void {
    if (this.userBps.get(pc) !== kind) return;
    this.userBps.delete(pc);
    if (!this.temps.has(pc) && pc !== this.entryBp) this.unpatch(pc);
  }

  /** The threaded instruction of pc: its address (physical: the image is where it was linked). */
  private insn(pc: number): number { return this.L("kbc_code") + TI.size * pc; }
  private patch(pc: number): void {
    if (this.patched.has(pc)) return;
    this.patched.set(pc, this.r32(this.insn(pc)));
    this.w32(this.insn(pc), this.L("op_BREAK"));
  }
  private unpatch(pc: number): void {
    const h = this.patched.get(pc);
    if (h === undefined) return;
    this.w32(this.insn(pc), h);
    this.patched.delete(pc);
  }
  /** The handler the instruction at pc runs when not stopping there. */
  private handlerOf(pc: number): number { return this.patched.get(pc) ?? this.r32(this.insn(pc)); }

  // ── the compiling tier ───────────────────────────────────────────────────────────────────

  private pin(f: number): void {
    if (!this.jit || f < 0 || this.pinned.has(f)) return;
    const cell = this.L("jit_code") + 4 * f;
    this.pinned.set(f, this.r32(cell));
    this.w8(this.L("jit_pinned") + f, 1);
    this.w32(cell, this.L("jit_interp_entries") + 16 * f);
  }
  private unpin(f: number): void {
    const before = this.pinned.get(f);
    if (before === undefined) return;
    const cell = this.L("jit_code") + 4 * f;
    // Compiled meanwhile? Not while pinned; so back to what it was: its code or its trampoline.
    this.w32(cell, before);
    this.w8(this.L("jit_pinned") + f, 0);
    this.pinned.delete(f);
  }
  /** Only the functions with a breakpoint stay pinned. */
  private unpinAllButBreakpoints(): void {
    const keep = new Set([...this.userBps.keys()].map((pc) => functionAt(this.m, pc)));
    for (const f of [...this.pinned.keys()]) if (!keep.has(f)) this.unpin(f);
  }
  /** The current thread's return addresses into compiled code become threaded ones (exact at calls). */
  private interpretCurrentThread(): void {
    if (!this.jit) return;
    const regs = this.machine.registers().reg32;
    const floor = this.r32(this.L("vm_ctl_floor")) >>> 0, top = regs[EDI] >>> 0;
    for (let e = top - 8; e >= floor && top - e <= 8 * 65536; e -= 8) {
      const t = this.pcmapToThreaded(this.rv32(e));
      if (t !== undefined) this.wv32(e, t);
    }
    // Stopped for a pause in irq_enter: eax is where the interrupted code goes on.
    if (this.stopInfo?.regsReason === STOP.pause) {
      const t = this.pcmapToThreaded(regs[EAX] >>> 0);
      if (t !== undefined) regs[EAX] = t;
    }
  }
  /**
   * The threaded instruction a compiled continuation goes on at: a `jit_pcmap` cell's, or a load or
   * store's resume word's (at a frame's end: boot/traps.ts jit_irq_mem) — exact in a debug image,
   * whose slots are all in memory and whose interpreter takes no operand from eax (`_e`).
   */
  private pcmapToThreaded(cont: number): number | undefined {
    if (!this.jit) return undefined;
    const map = this.L("jit_pcmap"), end = map + 4 * (this.m.code.length >> 1);
    if (cont >= map && cont < end && (cont - map) % 4 === 0) return this.insn((cont - map) / 4);
    if (this.threadedPc(cont) >= 0 || (cont >= this.L("jit_code") && cont < this.L("jit_code") + 4 * this.m.functions.length)) return undefined;
    const pc = this.compiledPc(this.rv32(cont));
    return pc >= 0 ? this.insn(pc) : undefined;
  }

  // ── running ──────────────────────────────────────────────────────────────────────────────

  /** Starts the guest (configuration done); with stopOnEntry it stops at kmain's first instruction. */
  start(stopOnEntry: boolean): void {
    if (this.ended) throw new Error("the program has exited");
    if (this.started) throw new Error("the program has started already (continue goes on from a stop)");
    this.started = true;
    if (stopOnEntry) {
      const pc = this.afterPrologue(this.m.functions[this.m.entry].start);
      this.entryBp = pc;
      this.patch(pc);
      this.pin(this.m.entry);
    }
    this.running = true;
    this.machine.run();
  }

  continue(): void { this.resume(null); }
  next(): void { this.step("over"); }
  stepIn(): void { this.step("in"); }
  stepOut(): void { this.step("out"); }

  /** Asks the running guest to stop at its next safe point (an IRQ line of the debugger's own). */
  pause(): void {
    if (this.ended) throw new Error("the program has exited");
    if (!this.started) throw new Error("the program has not started yet");
    if (!this.running) return; // stopped already
    this.pendingPause = true;
    this.tryPause();
    if (this.pendingPause) this.pauseTimer ??= setInterval(() => this.tryPause(), 5);
  }
  private tryPause(): void {
    if (!this.pendingPause || !this.running) { this.clearPauseTimer(); return; }
    // As an IRQ stub latches a line: only with interrupts on (the guest's cli sections assume no
    // stub runs), delivery asked for unless the handler is running (blocked; IRQRET asks then).
    if (!(this.machine.registers().eflags & IF)) return;
    const pending = this.L("irq_pending");
    this.w32(pending, (this.r32(pending) | (1 << DEBUG_LINE)) >>> 0);
    if (this.r32(this.L("irq_blocked")) === 0) {
      this.w32(this.L("irq_deliver"), 1); this.w32(this.L("vm_call_limit"), 0);
      if (this.jit) this.w32(this.L("jit_mem_limit"), 0);
    }
    this.pendingPause = false;
    this.clearPauseTimer();
  }
  private clearPauseTimer(): void { if (this.pauseTimer !== undefined) clearInterval(this.pauseTimer); this.pauseTimer = undefined; }

  /** Why the guest cannot go on from a stop now (an error for the client), or nothing. */
  private mustBeStopped(): void {
    if (this.ended) throw new Error("the program has exited");
    if (!this.started) throw new Error("the program has not started (run starts it)");
    if (this.running || !this.stopInfo) throw new Error("the program is running (pause stops it)");
  }

  private step(kind: StepKind): void {
    this.mustBeStopped();
    const top = this.liveRegs();
    const fn = functionAt(this.m, top.pc), line = lineAt(this.m, top.pc)?.line ?? 0;
    this.stepping = { kind, floor: top.floor, depth: (top.edi - top.floor) >> 3, fn, line };
    // Everything interpreted while stepping, so that every line can stop.
    if (this.jit) { this.m.functions.forEach((_, f) => this.pin(f)); this.interpretCurrentThread(); }
    const plant = (pc: number) => { if (pc >= 0 && !this.temps.has(pc)) { this.temps.add(pc); this.patch(pc); } };
    if (kind !== "out" && fn >= 0) {
      const f = this.m.functions[fn];
      for (const e of this.m.lines) if (e.pc >= f.start && e.pc < f.start + f.length && e.line) plant(e.pc);
    }
    if (kind === "in") for (const f of this.m.functions) plant(this.afterPrologue(f.start));
    // The caller, where this function returns to.
    const ret = this.returnPc(top);
    if (ret >= 0) plant(ret);
    this.resume(this.stepping);
  }

  /** The pc a frame returns to (its caller's next instruction when threaded), or -1. */
  private returnPc(r: VmRegs): number {
    if (r.edi - 8 < r.floor) return -1;
    // An interrupt handler returns through irqret_insn to where the interrupted code goes on: the entry below it.
    const e = this.rv32(r.edi - 8) === this.L("irqret_insn") ? r.edi - 16 : r.edi - 8;
    return e >= r.floor ? this.threadedPc(this.rv32(e)) : -1;
  }

  private resume(stepping: StepState | null): void {
    this.mustBeStopped();
    const s = this.stopInfo!;
    this.stepping = stepping;
    if (!stepping) { this.clearTemps(); this.unpinAllButBreakpoints(); }
    // Leaving a breakpoint: op_BREAK goes on with the instruction's own handler.
    if (s.regsReason === STOP.breakpoint) this.w32(this.L("dbg_orig"), this.handlerOf(s.pc));
    this.stopInfo = null;
    this.frames.clear();
    this.go();
  }
  private go(): void {
    this.running = true;
    this.w8(this.L("dbg_go"), 1);
    this.machine.run();
  }
  private clearTemps(): void {
    for (const pc of this.temps) if (!this.userBps.has(pc) && pc !== this.entryBp) this.unpatch(pc);
    this.temps.clear();
  }

  /** The guest wrote DEBUG_PORT: it waits in dbg_stop; stop v86 and look. */
  private async onGuestStop(): Promise<void> {
    await this.machine.pause();
    if (this.ended) return;
    const reason = this.r32(this.L("dbg_reason"));
    const regs = this.liveRegs(reason);
    const threadId = this.currentThreadId();
    if (reason === STOP.breakpoint) {
      const pc = regs.pc;
      const user = this.userBps.get(pc);
      if (pc === this.entryBp) {
        this.entryBp = -1;
        if (!this.userBps.has(pc) && !this.temps.has(pc)) this.unpatch(pc);
        if (!this.userBps.has(pc)) this.unpinAllButBreakpoints();
        return this.stopped({ reason: "entry", description: "entry", threadId }, pc, reason);
      }
      if (user) { this.clearTemps(); this.stepping = null; return this.stopped({ reason: user === "function" ? "function breakpoint" : "breakpoint", description: "breakpoint", threadId }, pc, reason); }
      if (this.stepping && this.temps.has(pc) && this.stepDone(regs)) {
        this.clearTemps(); this.stepping = null;
        return this.stopped({ reason: "step", description: "step", threadId }, pc, reason);
      }
      // Not ours to stop at (another thread, a deeper frame, the same line): on.
      this.w32(this.L("dbg_orig"), this.handlerOf(pc));
      this.go();
      return;
    }
    this.clearTemps();
    this.stepping = null;
    if (reason === STOP.pause) return this.stopped({ reason: "pause", description: "paused", threadId }, regs.pc, reason);
    const text = this.panicText(reason);
    return this.stopped({ reason: "exception", description: "panic", text, threadId }, regs.pc, reason);
  }

  private stopped(s: Stop, pc: number, regsReason: number): void {
    this.running = false;
    this.stopInfo = { ...s, pc, regsReason };
    this.frames.clear();
    for (const l of this.stopListeners) l(s);
  }

  /** Has the step reached where it stops? (Called at one of its temporary breakpoints.) */
  private stepDone(r: VmRegs): boolean {
    const st = this.stepping!;
    if (r.floor !== st.floor) return false; // another thread
    const depth = (r.edi - r.floor) >> 3;
    // Inside an interrupt handler that came in meanwhile: not the stepped code's flow.
    for (let e = r.edi - 8; e >= r.floor + 8 * st.depth; e -= 8) if (this.rv32(e) === this.L("irqret_insn")) return false;
    const fn = functionAt(this.m, r.pc), line = lineAt(this.m, r.pc)?.line ?? 0;
    if (st.kind === "out") return depth < st.depth;
    if (depth < st.depth) return true;
    if (depth > st.depth) return st.kind === "in";
    return fn !== st.fn || line !== st.line;
  }

  private panicText(reason: number): string {
    const regs = this.machine.registers().reg32;
    if (reason === STOP.trap) {
      const code = regs[EAX] >>> 0;
      return code < TRAP_CODES.length ? TRAP[TRAP_CODES[code]] : "illegal opcode";
    }
    if (reason === STOP.abort) {
      const args = regs[EAX] >>> 0;
      const msg = this.asString(this.rv32(args));
      return msg === null ? "assertion failed" : msg;
    }
    const vector = this.rv32((regs[ESP] >>> 0) + 8); // above dbg_stop's edx and return address
    return `CPU exception ${EXC_NAMES[vector] ?? "reserved"}`;
  }

  /** An AssemblyScript string at `ptr` (UTF-16, its byte length at ptr - 4), or null. */
  private asString(ptr: number): string | null {
    if (!ptr) return null;
    const bytes = this.rv32(ptr - 4);
    if (bytes > 4096 || bytes & 1) return null;
    const b = this.readMemory(ptr, bytes);
    if (!b) return null;
    let s = "";
    for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i] | (b[i + 1] << 8));
    return s;
  }

  // ── threads and frames ───────────────────────────────────────────────────────────────────

  /** The VM registers of the running thread, at the stop: where its top frame is. */
  private liveRegs(reason = this.stopInfo?.regsReason ?? STOP.breakpoint): VmRegs {
    const r = this.machine.registers().reg32;
    const floor = this.r32(this.L("vm_ctl_floor")) >>> 0;
    // At a pause (irq_enter) the frame goes on at the continuation in eax, not at esi.
    const pc = reason === STOP.pause ? this.contPc(r[EAX] >>> 0) : this.threadedPc(r[ESI] >>> 0);
    return { pc, ebp: r[EBP] >>> 0, edi: r[EDI] >>> 0, floor, live: true };
  }
  private threadedPc(t: number): number {
    const kbc = this.L("kbc_code");
    return t >= kbc && (t - kbc) % TI.size === 0 && (t - kbc) / TI.size < this.m.code.length >> 1 ? (t - kbc) / TI.size : -1;
  }
  /** The instruction a continuation goes on at (boot/vm.ts), or -1. */
  private contPc(cont: number): number {
    const t = this.threadedPc(cont);
    if (t >= 0) return t;
    if (!this.jit) return -1;
    const n = this.m.code.length >> 1;
    const map = this.L("jit_pcmap");
    if (cont >= map && cont < map + 4 * n && (cont - map) % 4 === 0) return (cont - map) / 4;
    const code = this.L("jit_code");
    if (cont >= code && cont < code + 4 * this.m.functions.length) return this.m.functions[(cont - code) >> 2].start;
    // A load or store's resume word at the end of a frame: the instruction its compiled code belongs to.
    return this.compiledPc(this.rv32(cont));
  }
  /** The instruction whose compiled code holds address a, or -1. */
  private compiledPc(a: number): number {
    if (!this.jit || a < this.L("jit_area") || a >= this.L("jit_end")) return -1;
    const code = this.L("jit_code"), fend = this.L("jit_fend"), map = this.L("jit_pcmap");
    for (let f = 0; f < this.m.functions.length; f++) {
      const start = this.r32(code + 4 * f), end = this.r32(fend + 4 * f);
      if (a < start || a >= end) continue;
      const fn = this.m.functions[f];
      let pc = fn.start;
      for (let p = fn.start; p < fn.start + fn.length; p++) if (this.r32(map + 4 * p) <= a) pc = p;
      return pc;
    }
    return -1;
  }

  /** The kernel's threads (kernel-ts/sched/thread.ts) once its scheduler runs; one before. */
  threads(): ThreadInfo[] {
    const t = this.threadRecords();
    if (!t.length) return [{ id: 1, name: "kernel" }];
    return t.map((x) => ({ id: x.index + 1, name: `${x.name} (${["free", "ready", "running", "sleeping", "blocked", "dead"][x.state] ?? x.state})` }));
  }
  private threadRecords(): { index: number; name: string; state: number; rec: number; ctlBase: number }[] {
    const d = this.threadTable;
    if (!d || this.r32(d) !== 0x4854544b) return [];
    const table = this.r32(d + 4), max = this.r32(d + 8), bytes = this.r32(d + 12);
    const out = [];
    for (let i = 0; i < Math.min(max, 64); i++) {
      const rec = table + bytes * i, state = this.rv32(rec + 32);
      if (state === 0 || state === 5) continue;
      out.push({ index: i, name: this.asString(this.rv32(rec + 44)) ?? `thread ${i}`, state, rec, ctlBase: this.rv32(rec + 52) });
    }
    return out;
  }
  /** The thread whose control stack the CPU's edi is in (the boot thread's is the image's). */
  private currentThreadId(): number {
    const recs = this.threadRecords();
    if (!recs.length) return 1;
    const edi = this.machine.registers().reg32[EDI] >>> 0;
    const mine = recs.find((x) => x.ctlBase && edi >= x.ctlBase && edi <= x.ctlBase + (16 << 10));
    return (mine ?? recs.find((x) => x.index === 0) ?? recs[0]).index + 1;
  }

  /** The frames of a thread, innermost first (an interrupt shows as a marker frame). */
  stackTrace(threadId: number): Frame[] {
    if (!this.stopInfo) return [];
    let regs: VmRegs;
    if (threadId === this.currentThreadId()) regs = this.liveRegs();
    else {
      const rec = this.threadRecords().find((x) => x.index + 1 === threadId);
      if (!rec) return [];
      // A thread switched away goes on after its SWITCH (shown there); one that never ran, at its function's start.
      const pc = this.contPc(this.rv32(rec.rec + CX.pc));
      const switched = pc > 0 && (this.m.code[2 * (pc - 1)] & 0xff) === SWITCH;
      regs = { pc: switched ? pc - 1 : pc, ebp: this.rv32(rec.rec + CX.frame), edi: this.rv32(rec.rec + CX.ctl), floor: this.rv32(rec.rec + CX.ctlFloor), live: false };
    }
    const frames: Frame[] = [];
    const push = (pc: number, base: number, marker = false, label = "-- interrupt --") => {
      const fn = functionAt(this.m, pc), where = pc >= 0 ? lineAt(this.m, pc) : null;
      const f: Frame = {
        id: this.nextFrameId++, name: marker ? label : fn >= 0 ? displayName(this.m.functions[fn].name) : "?",
        path: where ? this.target.sourcePath(where.file) : null, line: where?.line ?? 0, pc, fn, base, marker, top: !frames.length,
      };
      this.frames.set(f.id, f);
      frames.push(f);
    };
    push(regs.pc, regs.ebp);
    const irqret = this.L("irqret_insn"), floorCont = this.L("vm_floor_cont");
    let interrupted = false;
    // The native frame of the innermost vm_call or vm_reenter (boot/image.ts): below a page-fault
    // handler's floor, the faulting code's registers (pf_entry's pushad and the CPU's frame).
    let native = regs.live ? this.r32(this.L("vm_saved_esp")) >>> 0 : 0;
    let { edi, floor } = regs;
    for (;;) {
      for (let e = edi - 8; e >= floor && frames.length < MAX_FRAMES; e -= 8) {
        const cont = this.rv32(e), base = this.rv32(e + 4);
        if (cont === floorCont) break;
        if (cont === irqret) { push(-1, base, true); interrupted = true; continue; }
        const pc = this.contPc(cont);
        // A return address is the instruction after the call; an interrupted frame's is where it goes on.
        push(interrupted ? pc : pc - 1, base);
        interrupted = false;
      }
      // vm_reenter's native frame: [floor before, vm_saved_esp before, its pushad (8), its return
      // address, pf_entry's 7 saved words, pf_entry's pushad (8: edi esi ebp ...), vector, error, eip].
      if (!native || this.rv32(native + 40) !== this.L("pf_reentered") || frames.length >= MAX_FRAMES) break;
      const eip = this.rv32(native + 112);
      const compiled = this.compiledPc(eip);
      push(-1, 0, true, "-- page fault --");
      push(compiled >= 0 ? compiled : this.threadedPc(this.rv32(native + 76)), this.rv32(native + 80));
      edi = this.rv32(native + 72); floor = this.rv32(native);
      native = this.rv32(native + 4);
    }
    return frames;
  }

  /** A frame's parameters and locals by their TS names (compiler temporaries left out). */
  locals(frameId: number): Variable[] {
    const f = this.frames.get(frameId);
    if (!f || f.marker || f.fn < 0) return [];
    return this.userLocals(f.fn).map((v) => this.variable(v, f.base + 4 * v.at, f, !!f.top));
  }

  private shown = new Map<number, DebugVar[]>();
  /**
   * The locals of function fn a user wrote: not compiler temporaries, and not the parameters of
   * functions inlined into it (asc inlines `@inline` functions even at -O 0, naming their
   * parameters' locals as the parameters, `a`, or `a|2` when the name is taken): a local read only
   * by instructions outside the function's own lines is one of those. asc's `x|N` (the Nth local
   * named x) is shown as x when no other shown local is named x.
   */
  private userLocals(fn: number): DebugVar[] {
    const cached = this.shown.get(fn);
    if (cached) return cached;
    const f = this.m.functions[fn];
    const first = lineAt(this.m, f.start);
    // Its own lines: from its first to the last of its file's lines among its instructions (an
    // inlined function of the same file defined below would count as its own: shown, not hidden).
    let last = first?.line ?? 0;
    for (let pc = f.start; pc < f.start + f.length; pc++) {
      const at = lineAt(this.m, pc);
      if (at && at.file === first?.file) last = Math.max(last, at.line);
    }
    const own = (pc: number) => { const at = lineAt(this.m, pc); return !!at && !!first && at.file === first.file && at.line >= first.line && at.line <= last; };
    const readOwn = new Set<number>(), readAny = new Set<number>();
    for (let pc = f.start; pc < f.start + f.length; pc++) {
      if ((this.m.code[2 * pc] & 0xff) === Op.ZERO) continue; // the prologue zeroes, it does not read
      for (const s of slotsRead(this.m, pc)) { readAny.add(s); if (own(pc)) readOwn.add(s); }
    }
    const base = (n: string) => n.replace(/\|\d+$/, "");
    const kept = (this.target.info.locals[fn] ?? []).filter((v) => !isInternal(base(v.name)) && (v.kind === "param" || readOwn.has(v.at) || !readAny.has(v.at)));
    const shown = kept.map((v) => ({ ...v, name: kept.filter((x) => base(x.name) === base(v.name)).length === 1 ? base(v.name) : v.name }));
    this.shown.set(fn, shown);
    return shown;
  }
  private globalNames: Map<DebugVar, string> | undefined;
  /**
   * The program's globals (its own, and kernel-ts's), each by its name, or where two modules have
   * one of that name by as much of its module's path as tells them apart (`tlsf/usedBytes`).
   */
  globals(): Variable[] {
    const base = this.L("vm_globals");
    const shown = this.target.info.globals.filter((v) => !isInternal(v.name) || v.name.startsWith("~lib/kernel-ts/"));
    if (!this.globalNames) {
      const parts = (v: DebugVar) => v.name.replace(/^~lib\//, "").split("/");
      this.globalNames = new Map(shown.map((v) => {
        const mine = parts(v);
        let k = 1;
        while (k < mine.length && shown.some((o) => o !== v && parts(o).slice(-k).join("/") === mine.slice(-k).join("/"))) k++;
        return [v, mine.slice(-k).join("/")];
      }));
    }
    return shown.map((v) => ({ name: this.globalNames!.get(v) ?? shortName(v.name), value: this.format(this.r32(base + 4 * v.at), v.w === 2 ? this.r32(base + 4 * v.at + 4) : undefined), kind: "global" as const, address: base + 4 * v.at }));
  }
  private variable(v: DebugVar, addr: number, f: Frame, top: boolean): Variable {
    // An optimised build reuses a local's slot once it is dead: then its value is not the variable's.
    if (this.target.optimized && f.pc >= 0) {
      const sets = top ? this.live.ins : this.live.outs;
      if (!isLive(sets, f.pc, v.at)) return { name: v.name, value: "<optimised away: not live here>", kind: v.kind as "param" | "local" };
    }
    const lo = this.rv32(addr), hi = v.w === 2 ? this.rv32(addr + 4) : undefined;
    return { name: v.name, value: this.format(lo, hi), kind: v.kind as "param" | "local", address: addr };
  }
  /** A value in decimal and hex (and signed when its top bit is set). */
  format(lo: number, hi?: number): string {
    if (hi === undefined) {
      const u = lo >>> 0;
      return `${u} (0x${u.toString(16)}${u >= 0x8000_0000 ? `, ${u | 0}` : ""})`;
    }
    const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    return `${v} (0x${v.toString(16)}${v >= 1n << 63n ? `, ${BigInt.asIntN(64, v)}` : ""})`;
  }

  /**
   * Evaluates NAME (a local of the frame, else a global), a number, or a memory read
   * TYPE[ADDRESS] with TYPE u8 u16 u32 u64 i8 i16 i32 i64 and ADDRESS a number, a name, or either
   * plus or minus a number (docs/debugging.md).
   */
  evaluate(expr: string, frameId?: number): string {
    const e = expr.trim();
    const mem = /^([ui])(8|16|32|64)\s*\[(.+)\]$/.exec(e);
    if (mem) {
      const addr = this.addressOf(mem[3], frameId);
      const size = Number(mem[2]) / 8;
      const b = this.readMemory(addr, size);
      if (!b || b.length < size) throw new Error(`cannot read ${size} bytes at 0x${(addr >>> 0).toString(16)}: not mapped`);
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
      const signed = mem[1] === "i" ? BigInt.asIntN(8 * size, v) : v;
      return `${signed} (0x${v.toString(16)})`;
    }
    const n = this.valueOf(e, frameId);
    if (n.kind === "var") return n.text;
    return this.format(Number(BigInt.asUintN(32, n.value)));
  }
  private valueOf(term: string, frameId?: number): { kind: "num"; value: bigint } | { kind: "var"; value: bigint; text: string } {
    const t = term.trim();
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) {
      const v = BigInt(t);
      if (v >= 1n << 32n || v < -(1n << 31n)) throw new Error(`${t} does not fit in 32 bits`);
      return { kind: "num", value: v };
    }
    const f = frameId !== undefined ? this.frames.get(frameId) : [...this.frames.values()][0];
    const local = f ? this.locals(f.id).find((v) => v.name === t) : undefined;
    const g = local ?? this.globals().find((v) => v.name === t);
    if (!g) throw new Error(`no variable ${t} here (evaluate takes a name, a number or TYPE[ADDRESS]: docs/debugging.md)`);
    if (g.address === undefined) throw new Error(`${t} is ${g.value}`);
    return { kind: "var", value: BigInt(g.value.split(" ")[0]), text: g.value };
  }
  /** An address as evaluate's TYPE[ADDRESS] takes it: a number, a name, or either plus or minus a number. */
  address(expr: string, frameId?: number): number { return this.addressOf(expr, frameId); }
  private addressOf(expr: string, frameId?: number): number {
    const m = /^(.+?)\s*([+-])\s*(0x[0-9a-f]+|\d+)$/i.exec(expr.trim());
    const base = m ? this.valueOf(m[1], frameId).value : this.valueOf(expr, frameId).value;
    const off = m ? BigInt(m[3]) * (m[2] === "-" ? -1n : 1n) : 0n;
    return Number(BigInt.asUintN(32, base + off));
  }

  // ── memory ───────────────────────────────────────────────────────────────────────────────

  /** Reads `count` bytes at a guest address (through the page tables once paging is on); null where unmapped. */
  readMemory(addr: number, count: number): Uint8Array | null {
    const out = new Uint8Array(count);
    for (let i = 0; i < count;) {
      const v = (addr + i) >>> 0, p = this.physical(v);
      if (p === null) return i ? out.subarray(0, i) : null;
      const n = Math.min(count - i, 0x1000 - (v & 0xfff), this.machine.memoryBytes - p);
      if (n <= 0) return i ? out.subarray(0, i) : null;
      out.set(this.machine.readPhys(p, n), i);
      i += n;
    }
    return out;
  }
  private physical(v: number): number | null {
    const { cr } = this.machine.registers();
    if (!(cr[0] & 0x8000_0000)) return v < this.machine.memoryBytes ? v : null;
    const pd = (cr[3] & ~0xfff) >>> 0;
    const pde = this.r32(pd + 4 * (v >>> 22));
    if (!(pde & 1)) return null;
    if (pde & 0x80 && cr[4] & 0x10) return ((pde & 0xffc0_0000) >>> 0) + (v & 0x3f_ffff);
    const pte = this.r32(((pde & ~0xfff) >>> 0) + 4 * ((v >>> 12) & 0x3ff));
    if (!(pte & 1)) return null;
    const p = ((pte & ~0xfff) >>> 0) + (v & 0xfff);
    return p < this.machine.memoryBytes ? p : null;
  }
  /** A dword at a guest address (0 where unmapped). */
  private rv32(v: number): number {
    const b = this.readMemory(v >>> 0, 4);
    return b && b.length === 4 ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : 0;
  }
  private wv32(v: number, value: number): void {
    const p = this.physical(v >>> 0);
    if (p !== null) this.w32(p, value);
  }
  /** Physical dwords and bytes (the image's own words: it is where it was linked, identity-mapped). */
  private r32(p: number): number {
    const b = this.machine.readPhys(p, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }
  private w32(p: number, v: number): void { this.machine.writePhys(p, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff)); }
  private w8(p: number, v: number): void { this.machine.writePhys(p, Uint8Array.of(v & 0xff)); }

  /** Ends the session: the machine stops. */
  async terminate(): Promise<void> {
    this.ended = true;
    this.clearPauseTimer();
    await this.machine.stop();
  }
}
