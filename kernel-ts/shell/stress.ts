// `stress [THREADS] [OPS]`: threads hammering the TLSF heap through its _lk calls — random
// allocations (some aligned) and frees, every block tagged at both ends and checked when freed —
// then tlsf_check. Units: operations, bytes.

import { puts, putu } from "../dev/serial";
import { irq_block } from "../arch";
import { thread_create, thread_sleep, thread_state, DEAD } from "../sched/thread";
import { tlsf_alloc_lk, tlsf_alloc_ali_lk, tlsf_free_lk, tlsf_check, tlsf_stats_blocks } from "../mm/tlsf";

export const STRESS_MAX_THREADS: u32 = 8;
const LIVE: u32 = 64; // blocks a worker holds at most
const blocks = memory.data(<i32>(STRESS_MAX_THREADS * LIVE * 8)); // per worker: (ptr, size) pairs
const errors = memory.data(<i32>(STRESS_MAX_THREADS * 4));
const ids = memory.data(<i32>(STRESS_MAX_THREADS * 4));
let ops: u32 = 0;
let nextWorker: u32 = 0;

@inline function tagOf(w: u32, p: usize): u32 { return <u32>p ^ (w * 0x9e3779b9); }

function dropBlock(w: u32, e: usize): void {
  const p = load<usize>(e), size = load<usize>(e, 4);
  if (load<u32>(p) != tagOf(w, p) || load<u32>(p + size - 4) != ~tagOf(w, p)) store<u32>(errors + (w << 2), load<u32>(errors + (w << 2)) + 1);
  if (!tlsf_free_lk(p)) store<u32>(errors + (w << 2), load<u32>(errors + (w << 2)) + 1);
  store<usize>(e, 0);
}

function worker(): void {
  const was = irq_block(1);
  const w = nextWorker++;
  irq_block(was);
  let rs: u32 = 0x2545f491 ^ (w * 0x9e3779b9);
  const mine = blocks + w * LIVE * 8;
  memory.fill(mine, 0, LIVE * 8);
  for (let i: u32 = 0; i < ops; i++) {
    rs ^= rs << 13; rs ^= rs >>> 17; rs ^= rs << 5;
    const e = mine + (rs % LIVE) * 8;
    if (load<usize>(e) != 0) { dropBlock(w, e); continue; }
    const size: usize = 8 + (rs >>> 8) % 2041;
    const p = (rs & 7) == 0 ? tlsf_alloc_ali_lk(size, <usize>16 << ((rs >>> 4) & 3)) : tlsf_alloc_lk(size);
    if (p == 0) { store<u32>(errors + (w << 2), load<u32>(errors + (w << 2)) + 1); continue; }
    store<u32>(p, tagOf(w, p));
    store<u32>(p + size - 4, ~tagOf(w, p));
    store<usize>(e, p); store<usize>(e, size, 4);
  }
  for (let k: u32 = 0; k < LIVE; k++) if (load<usize>(mine + k * 8) != 0) dropBlock(w, mine + k * 8);
}

/** Runs `threads` workers of `count` operations each; prints `stress: N passed, M failed`. */
export function stress(threads: u32, count: u32): void {
  ops = count;
  nextWorker = 0;
  memory.fill(errors, 0, STRESS_MAX_THREADS * 4);
  const before = tlsf_stats_blocks();
  let started: u32 = 0;
  for (let i: u32 = 0; i < threads; i++) {
    const t = thread_create(worker, "stress");
    store<i32>(ids + (i << 2), t);
    if (t > 0) started++;
  }
  if (started < threads) { puts("stress: could only start "); putu(started); puts(" threads\n"); }
  for (;;) {
    let running = false;
    for (let i: u32 = 0; i < threads; i++) { const t = load<i32>(ids + (i << 2)); if (t > 0 && thread_state(t) != DEAD) running = true; }
    if (!running) break;
    thread_sleep(20);
  }
  let passed: u32 = 0, failed: u32 = threads - started;
  for (let i: u32 = 0; i < started; i++) { if (load<u32>(errors + (i << 2)) == 0) passed++; else failed++; }
  const bad = tlsf_check();
  if (bad != 0 || tlsf_stats_blocks() != before) { puts("stress: the heap check found "); putu(<u32>bad); puts(" problems\n"); failed++; }
  puts("stress: "); putu(passed); puts(" passed, "); putu(failed); puts(" failed\n");
}
