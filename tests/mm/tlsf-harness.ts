// AS entry for the host tests of kernel-ts/mm/tlsf.ts (tests/mm/tlsf.test.ts): re-exports the API
// as wasm exports, and wraps what JS cannot pass itself — function references — in exports: a
// counting lock pair, a growth hook that adds pools from a range, and a block walk into memory.
import {
  tlsf_init, tlsf_add_pool, tlsf_alloc, tlsf_alloc_ali, tlsf_free, tlsf_realloc, tlsf_block_size,
  tlsf_check, tlsf_walk, tlsf_init_lk, tlsf_alloc_lk, tlsf_alloc_ali_lk, tlsf_free_lk,
  tlsf_set_grow, tlsf_clear_grow, tlsf_debug_junk, TLSF_LK_HEAP,
  tlsf_stats_used, tlsf_stats_free, tlsf_stats_peak, tlsf_stats_blocks, tlsf_stats_free_blocks,
  tlsf_stats_failed, tlsf_stats_pools, tlsf_stats_largest_free,
} from "../../kernel-ts/mm/tlsf";

export {
  tlsf_init, tlsf_add_pool, tlsf_alloc, tlsf_alloc_ali, tlsf_free, tlsf_realloc, tlsf_block_size,
  tlsf_check, tlsf_alloc_lk, tlsf_alloc_ali_lk, tlsf_free_lk, tlsf_clear_grow, tlsf_debug_junk,
  tlsf_stats_used, tlsf_stats_free, tlsf_stats_peak, tlsf_stats_blocks, tlsf_stats_free_blocks,
  tlsf_stats_failed, tlsf_stats_pools, tlsf_stats_largest_free,
};
export { churn_tlsf as churn, churn_failed, churn_peak_live, churn_peak_span } from "../../kernel-ts/bench/alloc";

/** TLSF_LK_HEAP, the lock number the _lk functions pass. */
export function lk_heap(): i32 { return TLSF_LK_HEAP; }

// ── Locks: count the calls, the lock numbers, nesting, and whether the heap changed inside ────

let locks: i32 = 0, unlocks: i32 = 0, lastLk: i32 = -1, depth: i32 = 0, misuse: i32 = 0;
let opsInside: i32 = 0; // lock/unlock pairs around which the heap's figures changed
let blocksAtLock: u32 = 0, failedAtLock: u32 = 0;

function countLock(lk: i32): void {
  if (depth != 0) misuse++;
  depth++;
  locks++;
  lastLk = lk;
  blocksAtLock = tlsf_stats_blocks();
  failedAtLock = tlsf_stats_failed();
}

function countUnlock(lk: i32): void {
  if (depth != 1 || lk != lastLk) misuse++;
  depth--;
  unlocks++;
  if (tlsf_stats_blocks() != blocksAtLock || tlsf_stats_failed() != failedAtLock) opsInside++;
}

/** Installs the counting lock pair and zeroes its counters. */
export function locks_install(): void {
  locks = unlocks = depth = misuse = opsInside = 0;
  lastLk = -1;
  tlsf_init_lk(countLock, countUnlock);
}
export function locks_taken(): i32 { return locks; }
export function locks_released(): i32 { return unlocks; }
export function locks_last_lk(): i32 { return lastLk; }
/** Nested locks, unlocks without a lock, or an unlock of another number. */
export function locks_misuse(): i32 { return misuse; }
/** Pairs around which the number of blocks or of failed requests changed (the operation ran inside). */
export function locks_ops_inside(): i32 { return opsInside; }

// ── Growth: add pools of max(minBytes, step) bytes from [next, limit) ────────────────────────

let growNext: usize = 0, growStep: usize = 0, growLimit: usize = 0;
let growCalls: i32 = 0, growLastMin: usize = 0;

function growFromRange(minBytes: usize): bool {
  growCalls++;
  growLastMin = minBytes;
  const bytes = minBytes > growStep ? minBytes : growStep;
  if (bytes > growLimit - growNext) return false;
  if (!tlsf_add_pool(growNext, bytes)) return false;
  growNext += bytes;
  return true;
}

function growNothing(minBytes: usize): bool {
  growCalls++;
  growLastMin = minBytes;
  return true; // claims success but adds nothing: the retry must not loop
}

/** Installs a hook that adds pools from [next, limit), each max(minBytes, step) bytes. */
export function grow_install(next: usize, step: usize, limit: usize): void {
  growNext = next; growStep = step; growLimit = limit;
  growCalls = 0; growLastMin = 0;
  tlsf_set_grow(growFromRange);
}
/** Installs a hook that says it grew the heap but does nothing. */
export function grow_install_liar(): void {
  growCalls = 0; growLastMin = 0;
  tlsf_set_grow(growNothing);
}
export function grow_calls(): i32 { return growCalls; }
export function grow_last_min(): usize { return growLastMin; }
export function grow_next(): usize { return growNext; }

// ── Walk: write (payload, size, used) triples at `out` ───────────────────────────────────────

let walkOut: usize = 0, walkCount: i32 = 0;

function walkRecord(ptr: usize, size: usize, used: bool): void {
  const at = walkOut + <usize>walkCount * 12;
  store<usize>(at, ptr);
  store<usize>(at, size, 4);
  store<u32>(at, used ? 1 : 0, 8);
  walkCount++;
}

/** Walks the heap into 12-byte records at `out`; returns how many. */
export function walk_into(out: usize): i32 {
  walkOut = out;
  walkCount = 0;
  tlsf_walk(walkRecord);
  return walkCount;
}
