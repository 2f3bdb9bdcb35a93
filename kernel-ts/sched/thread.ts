// Kernel threads: create, yield, sleep, block/wake, exit; preemptive round robin driven by the
// PIT (sched_tick from the interrupt handler). Each thread has its own VM slot stack and control
// stack, each followed by an unmapped guard page (from the stack hook given to sched_init); a
// switch is one kbc instruction (kernel.vm_switch). Guest only: the host VMs cannot switch.
// Units: thread ids (0 = the boot thread), PIT ticks.
//
// Thread record, THREAD_BYTES each:
//   +0   VM context (VM_CONTEXT_BYTES)     +40  entry (a () => void function reference)
//   +32  state                              +44  name (a string literal)
//   +36  wake tick (SLEEPING)               +48  slot stack base (0: none yet)
//                                           +52  control stack base   +56  switches in

import { outl, vm_switch, vm_context_init, irq_block, irq_count, hlt, CTX_FRAME, CTX_CTL, CTX_STACK_END, CTX_CTL_END, CTX_CTL_FLOOR, CTX_BLOCKED, VM_CONTEXT_BYTES } from "../arch";

export const MAX_THREADS: i32 = 16;
export const SLOT_STACK: usize = 64 << 10;  // each thread's VM slot stack
export const CTL_STACK: usize = 16 << 10;   // and control stack (2,048 nested calls)
/** Ticks a thread runs before another ready one gets the CPU. */
export const SLICE: u32 = 2;

export const FREE: u32 = 0, READY: u32 = 1, RUNNING: u32 = 2, SLEEPING: u32 = 3, BLOCKED: u32 = 4, DEAD: u32 = 5;
const THREAD_BYTES: usize = 64;
const threads = memory.data(<i32>(MAX_THREADS * <i32>THREAD_BYTES));
/**
 * The debugger's view of the threads (emulator/debug/): 'KTTH', the table's address, MAX_THREADS,
 * THREAD_BYTES, written to THREADS_PORT by sched_init (a port no device uses).
 */
export const THREADS_PORT: u32 = 0x52c;
const threadsInfo = memory.data(16, 4);

let current: i32 = 0;
let idle: i32 = -1;
let started = false;
let sliceLeft: u32 = SLICE;
let stackHook: ((bytes: usize) => usize) | null = null;
let hz: u32 = 100;

@inline function rec(t: i32): usize { return threads + <usize>t * THREAD_BYTES; }
@inline function stateOf(t: i32): u32 { return load<u32>(rec(t), 32); }
@inline function setState(t: i32, s: u32): void { store<u32>(rec(t), s, 32); }

/**
 * Makes the running code thread 0 and starts the idle thread. `stacks(bytes)` returns the base of
 * `bytes` of fresh writable memory followed by an unmapped guard page (0 when out of memory);
 * `ticksPerSecond` is the PIT's rate. Returns false when the idle thread cannot be made.
 */
export function sched_init(stacks: (bytes: usize) => usize, ticksPerSecond: u32): bool {
  memory.fill(threads, 0, <usize>MAX_THREADS * THREAD_BYTES);
  stackHook = stacks;
  hz = ticksPerSecond;
  current = 0;
  setState(0, RUNNING);
  store<usize>(rec(0), changetype<usize>("boot"), 44);
  started = true;
  store<u32>(threadsInfo, 0x4854544b); store<u32>(threadsInfo, threads, 4);
  store<u32>(threadsInfo, MAX_THREADS, 8); store<u32>(threadsInfo, <u32>THREAD_BYTES, 12);
  outl(THREADS_PORT, threadsInfo);
  idle = thread_create(idleMain, "idle");
  return idle > 0;
}

function idleMain(): void {
  for (;;) { hlt(); thread_yield(); }
}

function threadStart(): void {
  const entry = load<usize>(rec(current), 40);
  changetype<() => void>(entry)();
  thread_exit();
}

/** Starts `entry` in a new thread named `name`; returns its id, or -1 (no free record or memory). */
export function thread_create(entry: () => void, name: string): i32 {
  if (!started) return -1;
  const was = irq_block(1);
  let t: i32 = -1;
  for (let i = 1; i < MAX_THREADS; i++) if (stateOf(i) == FREE || (stateOf(i) == DEAD && i != current)) { t = i; break; }
  if (t < 0) { irq_block(was); return -1; }
  const r = rec(t);
  if (load<usize>(r, 48) == 0) {
    const hook = stackHook!;
    const slots = hook(SLOT_STACK), ctl = slots != 0 ? hook(CTL_STACK) : 0;
    if (ctl == 0) { irq_block(was); return -1; }
    store<usize>(r, slots, 48); store<usize>(r, ctl, 52);
  }
  const slots = load<usize>(r, 48), ctl = load<usize>(r, 52);
  memory.fill(r, 0, VM_CONTEXT_BYTES);
  store<usize>(r + CTX_FRAME, slots); store<usize>(r + CTX_STACK_END, slots + SLOT_STACK);
  store<usize>(r + CTX_CTL, ctl); store<usize>(r + CTX_CTL_END, ctl + CTL_STACK); store<usize>(r + CTX_CTL_FLOOR, ctl);
  store<u32>(r + CTX_BLOCKED, 0);
  vm_context_init(r, threadStart);
  store<usize>(r, changetype<usize>(entry), 40);
  store<usize>(r, changetype<usize>(name), 44);
  store<u32>(r, 0, 56);
  setState(t, READY);
  irq_block(was);
  return t;
}

/** Runs the next ready thread (round robin, the idle thread only when none is). */
function schedule(): void {
  const was = irq_block(1);
  let next: i32 = -1;
  for (let k = 1; k <= MAX_THREADS; k++) {
    const t = (current + k) % MAX_THREADS;
    if (t != idle && stateOf(t) == READY) { next = t; break; }
  }
  if (next < 0) next = stateOf(current) == RUNNING && current != idle ? current : idle;
  if (next != current) {
    if (stateOf(current) == RUNNING) setState(current, READY);
    const from = current;
    current = next;
    setState(next, RUNNING);
    store<u32>(rec(next), load<u32>(rec(next), 56) + 1, 56);
    sliceLeft = SLICE;
    vm_switch(rec(from), rec(next));
  }
  irq_block(was);
}

/** Lets the other ready threads run first. */
export function thread_yield(): void { if (started) schedule(); }

/** Sleeps at least `ms` milliseconds (whole ticks, rounded up). */
export function thread_sleep(ms: u32): void {
  if (!started) return;
  const was = irq_block(1);
  store<u32>(rec(current), irq_count(0) + (ms * hz + 999) / 1000, 36);
  setState(current, SLEEPING);
  schedule();
  irq_block(was);
}

/**
 * Stops the running thread until thread_wake. A wake that comes before the block is lost, so a
 * caller checks its condition and blocks with delivery blocked (irq_block(1)), as console_getc does.
 */
export function thread_block(): void {
  if (!started) return;
  const was = irq_block(1);
  setState(current, BLOCKED);
  schedule();
  irq_block(was);
}

/** Makes a blocked or sleeping thread ready. */
export function thread_wake(t: i32): void {
  if (t < 0 || t >= MAX_THREADS) return;
  const s = stateOf(t);
  if (s == BLOCKED || s == SLEEPING) setState(t, READY);
}

/** Ends the running thread (its stacks are kept for the next thread_create). Never returns. */
export function thread_exit(): void {
  irq_block(1);
  setState(current, DEAD);
  schedule();
  abort("thread_exit: a dead thread ran again");
}

/** The PIT's tick, from the interrupt handler: wakes sleepers, preempts when the slice is over. */
export function sched_tick(): void {
  if (!started) return;
  const now = irq_count(0);
  for (let t = 0; t < MAX_THREADS; t++) if (stateOf(t) == SLEEPING && <i32>(now - load<u32>(rec(t), 36)) >= 0) setState(t, READY);
  if (sliceLeft > 0) sliceLeft--;
  if (sliceLeft == 0 || current == idle) schedule();
}

/** The running thread's id. */
export function thread_self(): i32 { return current; }
/** A thread's state (FREE, READY, RUNNING, SLEEPING, BLOCKED, DEAD). */
export function thread_state(t: i32): u32 { return t >= 0 && t < MAX_THREADS ? stateOf(t) : FREE; }
/** A thread's name (a string literal), or "" for a free record. */
export function thread_name(t: i32): string { return t >= 0 && t < MAX_THREADS && stateOf(t) != FREE ? changetype<string>(load<usize>(rec(t), 44)) : ""; }
/** How many times a thread has been switched to. */
export function thread_switches(t: i32): u32 { return t >= 0 && t < MAX_THREADS ? load<u32>(rec(t), 56) : 0; }
/** The idle thread's id (-1 before sched_init). */
export function thread_idle(): i32 { return idle; }
