// tlsf: the Two-Level Segregated Fit allocator, the kernel's general-purpose heap.
// Units: bytes; addresses and sizes are u32. O(1) alloc and free; see docs/tlsf.md.
//
// Free blocks sit in segregated lists, one per size class. A class is (fl, sl): fl is the
// position of a size's top bit, sl the next SL_LOG2 bits, so each power-of-two range splits into
// 32 lists. Two bitmaps say which lists are non-empty; clz/ctz find the first non-empty list of a
// class at least as big as a request in O(1) (a good fit, not a best fit). Every block keeps the
// address of the block physically before it, so freeing merges with both neighbours in O(1).
// When the first list that fits is the wilderness (the free block at the end of a pool), the head
// of the request's own class is tried first: a block there may fit, and the pool grows less.
//
// This file is the public API: pools, allocation, free, realloc, growth, locks and figures. The
// block layout, size classes, lists and bitmaps are in tlsf-block.ts; tlsf_check and tlsf_walk in
// tlsf-check.ts (re-exported here: other code imports only this file).
//
// Invariants (counted by tlsf_check): blocks tile each pool exactly; every header's previous
// block is right; no two free blocks touch; the lists hold exactly the free blocks,
// each in its own class, with consistent back links; the bitmaps match the lists; the figures
// match a walk.

import { alignDown, alignUp, isAligned, isPowerOfTwo } from "./align";
import {
  DEBUG, ALIGN, ALIGN_LOG2, HEADER, MIN_PAYLOAD, MIN_BLOCK, MAX_POOLS, CONTROL_SIZE, control,
  flMap, freeBlocks, wild, resetControl, blockSize, blockPrev, blockIsFree, blockNext, blockPayload,
  blockAlignCode, headerCode, firstPrev, infoSize, infoIsFree, codeAlign, setBlockPrev, setBlockSize, setHeader, fls, searchedSize, nextFree,
  listHead, slMap, takeFree, trimLead, carve, splitTail, release, swallowNext, poolLo, poolEnd,
  setPool, inPoolRange, SL_LOG2,
} from "./tlsf-block";

export { tlsf_check, tlsf_walk } from "./tlsf-check";

const ALLOC_JUNK: u8 = 0xa5;
const FREE_JUNK: u8 = 0xdd;
const REQUEST_MAX: usize = 1 << 30; // larger requests return 0: no sum below can reach 2^32
const ALIGN_MAX: usize = 1 << 30; // alignment code 27

/** The lock number the _lk functions pass: 0, the lock of the TLSF heap (there is one heap). */
export const TLSF_LK_HEAP: i32 = 0;

export let poolCount: i32 = 0;
export let totalBytes: usize = 0; // bytes in blocks (headers included): used + free
export let usedBytes: usize = 0; // bytes in used blocks, headers included
export let peakUsed: usize = 0;
export let usedBlocks: u32 = 0;
let failedRequests: u32 = 0;
let junkFill: bool = DEBUG;
let growing: bool = false;

function noLock(lk: i32): void {}
let lockFn: (lk: i32) => void = noLock;
let unlockFn: (lk: i32) => void = noLock;
let growHook: ((minBytes: usize) => bool) | null = null;

// ── Pools ────────────────────────────────────────────────────────────────────────────────────

/** The pool whose blocks (not its sentinel) include address `b`, or -1. O(pools). */
export function poolOf(b: usize): i32 {
  for (let i = 0; i < poolCount; i++) if (inPoolRange(b, poolLo(i), poolEnd(i))) return i;
  return -1;
}

/**
 * Makes [mem, mem + bytes) the heap's only pool, forgetting every earlier block (lock and growth
 * hooks stay). The range is trimmed to 8-byte boundaries; it holds the blocks and an 8-byte
 * sentinel, the control structure being static. Returns false, leaving an empty heap (every
 * allocation returns 0 unless the growth hook adds memory), when the range wraps past 4 GiB,
 * overlaps the control structure or is too small for one block (24 bytes).
 */
export function tlsf_init(mem: usize, bytes: usize): bool {
  resetControl();
  poolCount = 0;
  totalBytes = usedBytes = peakUsed = 0;
  usedBlocks = failedRequests = 0;
  return tlsf_add_pool(mem, bytes);
}

/**
 * Adds [mem, mem + bytes) (trimmed to 8-byte boundaries) to the heap. A pool that starts where
 * another ends, or ends where another starts, merges with it (its sentinel becomes part of a
 * block), so a heap grown at its end stays one pool. Returns false, changing nothing, when the
 * range wraps past 4 GiB, overlaps a pool or the control structure, is too small (24 bytes for a
 * separate pool, 16 to extend one, 8 to bridge two), or MAX_POOLS separate pools already exist.
 */
export function tlsf_add_pool(mem: usize, bytes: usize): bool {
  const end = mem + bytes;
  const lo = alignUp(mem, ALIGN);
  if (end < mem || lo < mem) return false;
  const hi = alignDown(end, ALIGN);
  if (hi <= lo || (lo < control + CONTROL_SIZE && control < hi)) return false;
  let before = -1, after = -1;
  for (let i = 0; i < poolCount; i++) {
    const hi_i = poolEnd(i) + HEADER;
    if (lo < hi_i && poolLo(i) < hi) return false;
    if (hi_i == lo) before = i;
    if (poolLo(i) == hi) after = i;
  }
  const start = before >= 0 ? lo - HEADER : lo; // the sentinel before becomes the new block's header
  const limit = after >= 0 ? hi : hi - HEADER; // where the header after the new block sits
  if (limit <= start || limit - start < MIN_BLOCK) return false;
  if (before < 0 && after < 0 && poolCount == MAX_POOLS) return false;

  const prev = before >= 0 ? blockPrev(start) : 0;
  setHeader(start, prev, limit - start - HEADER);
  if (after >= 0) setBlockPrev(limit, start);
  else setHeader(limit, start, 0); // a new sentinel: used, size 0
  if (before >= 0 && after >= 0) {
    setPool(before, poolLo(before), poolEnd(after));
    poolCount--;
    setPool(after, poolLo(poolCount), poolEnd(poolCount));
    setPool(poolCount, 0, 0);
  } else if (before >= 0) setPool(before, poolLo(before), hi - HEADER);
  else if (after >= 0) setPool(after, lo, poolEnd(after));
  else setPool(poolCount++, lo, hi - HEADER);
  totalBytes += limit - start;
  release(start, prev, limit - start - HEADER);
  return true;
}

/**
 * Installs `hook`, called when a request cannot be met: it should add at least `minBytes` bytes at
 * an 8-aligned address (with tlsf_add_pool; at the end of the heap they merge with it) and return
 * true if it did; the request is then retried once. It runs inside the failing call, so under the
 * heap lock for the _lk calls: it must call tlsf_add_pool, never a _lk function.
 */
export function tlsf_set_grow(hook: (minBytes: usize) => bool): void { growHook = hook; }

/** Removes the growth hook: exhaustion returns 0 again. */
export function tlsf_clear_grow(): void { growHook = null; }

/**
 * Asks the growth hook for memory that can serve a search for `need` bytes and, if it added some,
 * takes a block for `need` bytes again (takeFree). Returns the block, or 0.
 */
function takeAfterGrowth(need: usize): usize {
  const hook = growHook;
  if (hook == null || growing) return 0;
  growing = true;
  const ok = hook(searchedSize(need) + 2 * HEADER); // as a separate pool: the block's header and a sentinel
  growing = false;
  return ok ? takeFree(need) : 0;
}

// ── Allocation ───────────────────────────────────────────────────────────────────────────────

@inline function refuse(): usize { failedRequests++; return 0; }

/** Allocates `size` (1..REQUEST_MAX) bytes at a multiple of 2^(code + 3). */
@inline function allocate(size: usize, code: u32): usize {
  const adj = alignUp(size, ALIGN); // size ≥ 1: at least MIN_PAYLOAD
  // An aligned payload lies at most align + 8 bytes into a free block (trimLead).
  const need = code == 0 ? adj : adj + codeAlign(code) + ALIGN;
  let b = takeFree(need);
  if (b == 0) b = takeAfterGrowth(need);
  if (b == 0) return refuse();
  const wasWild = b == wild;
  if (code != 0) b = trimLead(b, codeAlign(code));
  const bsize = carve(b, adj, code, wasWild);
  const used = usedBytes + HEADER + bsize;
  usedBytes = used;
  usedBlocks++;
  if (used > peakUsed) peakUsed = used;
  if (DEBUG && junkFill) memory.fill(blockPayload(b), ALLOC_JUNK, bsize);
  return blockPayload(b);
}

/**
 * Returns a block of at least `size` bytes aligned to 8, or 0 when `size` is 0 or above 1 GiB
 * (REQUEST_MAX), or no free block fits even after the growth hook. O(1).
 */
export function tlsf_alloc(size: usize): usize {
  if (size == 0) return 0;
  if (size > REQUEST_MAX) return refuse();
  return allocate(size, 0);
}

/**
 * Returns a block of at least `size` bytes whose address is a multiple of `align` (a power of
 * two up to 1 GiB; below 8 counts as 8), or 0 when `size` is 0 or above 1 GiB, `align` is not a
 * power of two or too large, or no free block fits. The padding in front of the block becomes a
 * free block of its own. O(1).
 */
export function tlsf_alloc_ali(size: usize, align: usize): usize {
  if (size == 0) return 0;
  if (size > REQUEST_MAX || !isPowerOfTwo(align) || align > ALIGN_MAX) return refuse();
  return allocate(size, align <= ALIGN ? 0 : fls(align) - ALIGN_LOG2);
}

// ── Free and realloc ─────────────────────────────────────────────────────────────────────────

/**
 * The payload size of the live block at `ptr`, or 0 when `ptr` is not a live block. O(pools):
 * `ptr` must be 8-aligned inside a pool, its header used and sized within the pool, the blocks
 * before and after it must link to it both ways, and `ptr` must be aligned as its code says.
 * Headers swallowed by a merge are wiped, so stale pointers fail; only a header forged inside a
 * payload that both neighbours agree with would pass. Reads each header word once.
 */
@inline function liveSize(ptr: usize): usize {
  if (!isAligned(ptr, ALIGN)) return 0; // ptr 0: b = 2^32 - 8 lies in no pool
  const b = ptr - HEADER;
  let lo = poolLo(0), end = poolEnd(0); // pool 0 first: one compare in the common case
  if (!inPoolRange(b, lo, end)) {
    let i = 1;
    for (; i < poolCount; i++) {
      lo = poolLo(i);
      end = poolEnd(i);
      if (inPoolRange(b, lo, end)) break;
    }
    if (i >= poolCount) return 0;
  }
  const info = load<usize>(b, 4);
  const size = infoSize(info);
  if (infoIsFree(info) || size < MIN_PAYLOAD || size > end - ptr) return 0; // free, or out of the pool
  if (blockPrev(ptr + size) != b) return 0;
  const first = load<usize>(b);
  const prev = firstPrev(first);
  if (prev == 0 ? b != lo : prev < lo || prev >= b || blockNext(prev) != b) return 0;
  const code = headerCode(first, info);
  if (code != 0 && !isAligned(ptr, codeAlign(code))) return 0;
  return size;
}

/** Frees live block `b` of `size` bytes (liveSize's). */
@inline function freeBlock(b: usize, size: usize): void {
  const prev = blockPrev(b);
  usedBytes -= HEADER + size;
  usedBlocks--;
  if (DEBUG && junkFill) memory.fill(blockPayload(b), FREE_JUNK, size);
  release(b, prev, size);
}

/**
 * Frees the block at `ptr`, merging it with free neighbours. Returns false, changing nothing,
 * when `ptr` is not a live block: 0, a double free, an interior, misaligned or foreign pointer.
 * O(1) (O(pools) to find the pool).
 */
export function tlsf_free(ptr: usize): bool {
  const size = liveSize(ptr);
  if (size == 0) return false;
  freeBlock(ptr - HEADER, size);
  return true;
}

/**
 * Resizes the block at `ptr` to hold `size` bytes, keeping its alignment and its contents (up to
 * the smaller size). Shrinks in place, grows in place into a free block after it, else moves.
 * `ptr` 0 is tlsf_alloc(size); `size` 0 frees the block and returns 0. Returns 0, leaving the
 * block as it was, when `ptr` is not a live block, `size` is above 1 GiB or memory is short.
 */
export function tlsf_realloc(ptr: usize, size: usize): usize {
  if (ptr == 0) return tlsf_alloc(size);
  const cur = liveSize(ptr);
  if (cur == 0) return 0;
  const b = ptr - HEADER;
  if (size == 0) { freeBlock(b, cur); return 0; }
  if (size > REQUEST_MAX) return refuse();
  const adj = alignUp(size, ALIGN); // size ≥ 1: at least MIN_PAYLOAD
  if (adj > cur) {
    const next = blockNext(b);
    if (!blockIsFree(next) || cur + HEADER + blockSize(next) < adj) {
      const q = allocate(size, blockAlignCode(b));
      if (q == 0) return 0;
      memory.copy(q, ptr, cur);
      freeBlock(b, cur);
      return q;
    }
    swallowNext(b);
    usedBytes += blockSize(b) - cur;
    if (usedBytes > peakUsed) peakUsed = usedBytes;
  }
  const t = splitTail(b, blockSize(b), adj);
  if (t != 0) {
    setBlockSize(b, adj);
    const tsize = blockSize(t);
    usedBytes -= HEADER + tsize;
    if (DEBUG && junkFill) memory.fill(blockPayload(t), FREE_JUNK, tsize);
    release(t, b, tsize); // merges with a free block after it
  }
  if (DEBUG && junkFill && blockSize(b) > cur) memory.fill(ptr + cur, ALLOC_JUNK, blockSize(b) - cur);
  return ptr;
}

/** The usable size of the block at `ptr` (at least what was asked for), or 0 when it is not a live block. */
export function tlsf_block_size(ptr: usize): usize { return liveSize(ptr); }

// ── Locking ──────────────────────────────────────────────────────────────────────────────────

/** Installs the lock and unlock functions the _lk calls use; they are passed TLSF_LK_HEAP (0). */
export function tlsf_init_lk(lock: (lk: i32) => void, unlock: (lk: i32) => void): void {
  lockFn = lock;
  unlockFn = unlock;
}

/** tlsf_alloc under lock TLSF_LK_HEAP. */
export function tlsf_alloc_lk(size: usize): usize {
  lockFn(TLSF_LK_HEAP);
  const p = tlsf_alloc(size);
  unlockFn(TLSF_LK_HEAP);
  return p;
}

/** tlsf_alloc_ali under lock TLSF_LK_HEAP. */
export function tlsf_alloc_ali_lk(size: usize, align: usize): usize {
  lockFn(TLSF_LK_HEAP);
  const p = tlsf_alloc_ali(size, align);
  unlockFn(TLSF_LK_HEAP);
  return p;
}

/** tlsf_free under lock TLSF_LK_HEAP. */
export function tlsf_free_lk(ptr: usize): bool {
  lockFn(TLSF_LK_HEAP);
  const ok = tlsf_free(ptr);
  unlockFn(TLSF_LK_HEAP);
  return ok;
}

// ── Figures ──────────────────────────────────────────────────────────────────────────────────

/** Bytes in used blocks, headers and alignment slack included. */
export function tlsf_stats_used(): usize { return usedBytes; }
/** Bytes in free blocks, headers included; used + free changes only when a pool is added. */
export function tlsf_stats_free(): usize { return totalBytes - usedBytes; }
/** The highest tlsf_stats_used() since tlsf_init. */
export function tlsf_stats_peak(): usize { return peakUsed; }
/** The number of live (used) blocks. */
export function tlsf_stats_blocks(): u32 { return usedBlocks; }
/** The number of free blocks. */
export function tlsf_stats_free_blocks(): u32 { return freeBlocks; }
/** How many requests returned 0 for want of memory, or for a size or alignment out of range. */
export function tlsf_stats_failed(): u32 { return failedRequests; }
/** The number of separate pools (merged ones count once). */
export function tlsf_stats_pools(): u32 { return <u32>poolCount; }

/** The payload of the largest free block (0 when none). O(blocks in the top class). */
export function tlsf_stats_largest_free(): usize {
  if (flMap == 0) return 0;
  const fl = fls(flMap);
  let largest: usize = 0;
  let f = listHead((fl << SL_LOG2) + fls(slMap(fl)));
  for (let n: u32 = 0; f != 0 && n < freeBlocks; n++, f = nextFree(f)) { // bounded: a damaged list ends
    if (blockSize(f) > largest) largest = blockSize(f);
  }
  return largest;
}

/** Turns the junk fills of allocated (0xA5) and freed (0xDD) payloads on or off (on while DEBUG). */
export function tlsf_debug_junk(on: bool): void { junkFill = DEBUG && on; }
