// palloc: the first-fit pool allocator with coalescing, for long-lived kernel objects.
// Units: bytes; addresses are u32. One pool, set up by pinit; see docs/palloc.md.
//
// Design: boundary tags plus one free list kept in address order.
//  - Every block starts with an 8-byte header holding its own size and the size of the block
//    physically before it, so both neighbours of a block are found in O(1) (no footers needed).
//  - Free blocks are linked through their payload, sorted by address. palloc takes the first
//    block that fits (address-ordered first fit), splitting off what it does not need; pfree
//    merges the block with a free neighbour on either side, so no two free blocks ever touch.
//  - A bitmap with one bit per 8-byte granule marks where a live block's payload starts, which
//    makes pfree exact: a pointer is freed only if its bit is set, so double, interior, foreign
//    and misaligned frees all return false without touching the heap.
//
// Pool layout (pinit):
//
//   base (rounded up to 8)
//   │
//   ├──────────────┬───────────────────────────────────────────────────┬──────────┐
//   │ start bitmap │ blocks: [hdr|payload][hdr|payload] ...             │ sentinel │
//   │ 1 bit / 8 B  │ heapStart                                          │ size 0,U │
//   └──────────────┴───────────────────────────────────────────────────┴──────────┘
//                                                                       heapEnd - 8
// Block layout (sizes are multiples of 8, header included; the minimum block is 16 bytes):
//
//   block ─► ┌──────────────────────────────────────┬───┐
//          0 │ size of this block (bits 31..3)      │ U │  U = 1: in use
//            ├──────────────────────────────────────┴───┤
//          4 │ size of the block before (0: first block) │
//  payload ► ├───────────────────────────────────────────┤
//          8 │ used: the caller's bytes                  │
//            │ free: next free block (0: last)           │  offset 8
//            │       previous free block (0: first)      │  offset 12
//            │       unused                              │
//            └───────────────────────────────────────────┘
//
// Invariants (checked by pcheck): blocks tile [heapStart, sentinel) exactly; each header's
// "size before" matches; no two free blocks are adjacent; the free list holds exactly the free
// blocks, in address order, with consistent back links; a bitmap bit is set exactly at the
// payload of each used block; the running figures match a walk.

import { alignDown, alignUp, isAligned, isPowerOfTwo } from "./align";

/** Fill allocated payloads with ALLOC_JUNK and freed ones with FREE_JUNK, to catch dangling refs. */
const DEBUG: bool = true;
const ALLOC_JUNK: u8 = 0xa5;
const FREE_JUNK: u8 = 0xdd;
let junkFill: bool = DEBUG;

const GRANULE: usize = 8; // every block address and size is a multiple of this
const HEADER: usize = 8; // size|U, size before
const LINKS: usize = 8; // next free, previous free: what a free block keeps in its payload
const MIN_BLOCK: usize = HEADER + LINKS;
const USED: usize = 1;
const SIZE_MASK: usize = ~(GRANULE - 1);
const FLAG_MASK: usize = GRANULE - 1;
const BYTES_PER_MAP_BYTE: usize = GRANULE * 8; // one start-bitmap byte covers 64 pool bytes

let bitmap: usize = 0; // the start bitmap; 0 until pinit succeeds
let heapStart: usize = 0; // the first block
let sentinel: usize = 0; // the end tag: a used block of size 0 after the last block
let freeHead: usize = 0; // the free block with the lowest address, 0 when none

let usedBytes: usize = 0; // bytes in used blocks, headers and alignment slack included
let freeBytes: usize = 0; // bytes in free blocks, headers included
let usedBlocks: u32 = 0;
let freeBlocks: u32 = 0;
let failedRequests: u32 = 0;

// ── Block accessors ──────────────────────────────────────────────────────────────────────────

@inline function blockSize(b: usize): usize { return load<usize>(b) & SIZE_MASK; }
@inline function blockIsUsed(b: usize): bool { return (load<usize>(b) & USED) != 0; }
@inline function setHeader(b: usize, size: usize, flags: usize): void { store<usize>(b, size | flags); }
@inline function prevSize(b: usize): usize { return load<usize>(b, 4); }
@inline function setPrevSize(b: usize, size: usize): void { store<usize>(b, size, 4); }
@inline function nextPhys(b: usize): usize { return b + blockSize(b); }
@inline function payloadOf(b: usize): usize { return b + HEADER; }
@inline function blockOf(p: usize): usize { return p - HEADER; }
@inline function nextFree(b: usize): usize { return load<usize>(b, 8); }
@inline function prevFree(b: usize): usize { return load<usize>(b, 12); }
@inline function setNextFree(b: usize, f: usize): void { store<usize>(b, f, 8); }
@inline function setPrevFree(b: usize, f: usize): void { store<usize>(b, f, 12); }

/** The block physically before `b`, or 0 when `b` is the first. */
@inline function prevPhys(b: usize): usize { return b == heapStart ? 0 : b - prevSize(b); }

/** Gives block `b` its size and flags, and tells the block after it. */
@inline function setBlock(b: usize, size: usize, flags: usize): void {
  setHeader(b, size, flags);
  setPrevSize(b + size, size);
}

// ── Start bitmap ─────────────────────────────────────────────────────────────────────────────

@inline function bitIndex(p: usize): usize { return (p - heapStart) / GRANULE; }
@inline function bitWord(p: usize): usize { return bitmap + ((bitIndex(p) >> 5) << 2); }
@inline function bitMask(p: usize): u32 { return <u32>1 << <u32>(bitIndex(p) & 31); }
@inline function bitIsSet(p: usize): bool { return (load<u32>(bitWord(p)) & bitMask(p)) != 0; }
@inline function bitSet(p: usize): void { store<u32>(bitWord(p), load<u32>(bitWord(p)) | bitMask(p)); }
@inline function bitClear(p: usize): void { store<u32>(bitWord(p), load<u32>(bitWord(p)) & ~bitMask(p)); }

// ── Free list (address order) ────────────────────────────────────────────────────────────────

/** Links free block `b` between `before` and `after` (either may be 0). */
function linkBetween(b: usize, before: usize, after: usize): void {
  setPrevFree(b, before);
  setNextFree(b, after);
  if (before != 0) setNextFree(before, b); else freeHead = b;
  if (after != 0) setPrevFree(after, b);
}

/** Takes free block `b` out of the list. */
function unlink(b: usize): void {
  const before = prevFree(b), after = nextFree(b);
  if (before != 0) setNextFree(before, after); else freeHead = after;
  if (after != 0) setPrevFree(after, before);
}

/** Puts free block `b` into the list at its address-order place. O(free blocks). */
function insertOrdered(b: usize): void {
  let before: usize = 0, after = freeHead;
  while (after != 0 && after < b) {
    before = after;
    after = nextFree(after);
  }
  linkBetween(b, before, after);
}

// ── Set-up ───────────────────────────────────────────────────────────────────────────────────

/**
 * Makes [base, base + size) the pool, forgetting any earlier one. The pool holds its start
 * bitmap (1/64 of it), the blocks and an 8-byte end tag. Returns false, leaving palloc without a
 * pool (every palloc returns 0), when the range wraps past 4 GiB or is too small for one block.
 */
export function pinit(base: usize, size: usize): bool {
  bitmap = heapStart = sentinel = freeHead = 0;
  usedBytes = freeBytes = 0;
  usedBlocks = freeBlocks = failedRequests = 0;
  const start = alignUp(base, GRANULE);
  if (base + size < base || start < base || start > base + size) return false;
  const end = alignDown(base + size, GRANULE);
  const mapBytes = alignUp((end - start) / BYTES_PER_MAP_BYTE + 1, GRANULE);
  if (end - start < mapBytes + MIN_BLOCK + HEADER) return false;
  bitmap = start;
  heapStart = start + mapBytes;
  sentinel = end - HEADER;
  memory.fill(bitmap, 0, mapBytes);
  const first = heapStart;
  const firstSize = sentinel - first;
  setBlock(first, firstSize, 0);
  setPrevSize(first, 0);
  setHeader(sentinel, 0, USED);
  linkBetween(first, 0, 0);
  if (DEBUG && junkFill) memory.fill(first + MIN_BLOCK, FREE_JUNK, firstSize - MIN_BLOCK);
  freeBytes = firstSize;
  freeBlocks = 1;
  return true;
}

// ── Allocation ───────────────────────────────────────────────────────────────────────────────

/**
 * Returns a block of at least `size` bytes aligned to 8, or 0 when no free block is large
 * enough, `size` is 0, or there is no pool. Same as palloc_ali(size, 8).
 */
export function palloc(size: usize): usize {
  return palloc_ali(size, GRANULE);
}

/**
 * Returns a block of at least `size` bytes whose address is a multiple of `align` (any power of
 * two; below 8 counts as 8), or 0 when no free block can hold it, `size` is 0, `align` is not a
 * power of two, or there is no pool. The padding an alignment needs in front of the block
 * becomes a free block of its own (never lost). Sizes near 2^32 return 0.
 */
export function palloc_ali(size: usize, align: usize): usize {
  if (!isPowerOfTwo(align) || size == 0 || size > freeBytes) return fail();
  if (align < GRANULE) align = GRANULE;
  const need = blockSizeFor(size);
  for (let b = freeHead; b != 0; b = nextFree(b)) {
    const p = fitIn(b, need, align);
    if (p != 0) return take(b, blockOf(p), need);
  }
  return fail();
}

/** Counts a request that returned 0. */
function fail(): usize {
  failedRequests++;
  return 0;
}

/** The block size serving a request of `size` bytes (size <= freeBytes, so no overflow). */
@inline function blockSizeFor(size: usize): usize {
  const n = alignUp(size, GRANULE) + HEADER;
  return n < MIN_BLOCK ? MIN_BLOCK : n;
}

/**
 * Where in free block `b` a block of `need` bytes with its payload aligned to `align` starts:
 * its payload address, or 0 when it does not fit. A gap in front is at least MIN_BLOCK so that
 * it can stand as a free block.
 */
function fitIn(b: usize, need: usize, align: usize): usize {
  let p = payloadOf(b);
  if (!isAligned(p, align)) {
    p = alignUp(p + MIN_BLOCK, align);
    if (p < b) return 0; // wrapped past 2^32
  }
  const a = blockOf(p), end = nextPhys(b);
  if (a >= end || need > end - a) return 0;
  return p;
}

/**
 * Carves used block [a, a + need) out of free block `b` (a >= b, and when a > b the gap is at
 * least MIN_BLOCK). The gap in front stays free in b's place in the list; a tail of at least
 * MIN_BLOCK is split off as a free block after it. Returns the payload address.
 */
function take(b: usize, a: usize, need: usize): usize {
  const before = prevFree(b), after = nextFree(b);
  const end = nextPhys(b);
  unlink(b);
  freeBlocks--;
  freeBytes -= end - b;
  let last = before;
  if (a != b) { // front gap
    setBlock(b, a - b, 0);
    linkBetween(b, last, after);
    last = b;
    freeBlocks++;
    freeBytes += a - b;
  }
  let size = end - a;
  if (size - need >= MIN_BLOCK) { // tail
    const t = a + need;
    setBlock(t, size - need, 0);
    linkBetween(t, last, after);
    freeBlocks++;
    freeBytes += size - need;
    size = need;
  }
  setBlock(a, size, USED);
  const p = payloadOf(a);
  bitSet(p);
  usedBlocks++;
  usedBytes += size;
  if (DEBUG && junkFill) memory.fill(p, ALLOC_JUNK, size - HEADER);
  return p;
}

// ── Free ─────────────────────────────────────────────────────────────────────────────────────

/** True when `p` is the payload address of a live block (exact: the start bitmap decides). */
function isLive(p: usize): bool {
  if (bitmap == 0 || p < payloadOf(heapStart) || p >= sentinel || !isAligned(p, GRANULE)) return false;
  return bitIsSet(p);
}

/**
 * Frees the block whose payload is at `ptr` and merges it with a free neighbour on either side.
 * Returns false, changing nothing, when `ptr` is not a live block: 0, a double free, an interior
 * or misaligned pointer, or one outside the pool. Panics "pfree: header of <ptr> corrupted" when
 * a live block's header was overwritten.
 */
export function pfree(ptr: usize): bool {
  if (!isLive(ptr)) return false;
  let b = blockOf(ptr);
  let size = blockSize(b);
  if (!blockIsUsed(b) || size < MIN_BLOCK || size > sentinel - b) abort("pfree: block header corrupted");
  bitClear(ptr);
  usedBlocks--;
  usedBytes -= size;
  freeBytes += size;
  if (DEBUG && junkFill) memory.fill(ptr, FREE_JUNK, size - HEADER);
  const next = b + size;
  const prev = prevPhys(b);
  const prevIsFree = prev != 0 && !blockIsUsed(prev);
  const nextIsFree = !blockIsUsed(next); // the sentinel counts as used
  if (prevIsFree) { // b joins prev, which keeps its place in the list
    if (DEBUG && junkFill) memory.fill(b, FREE_JUNK, HEADER);
    size += blockSize(prev);
    b = prev;
  }
  if (nextIsFree) { // next joins b
    const nextSize = blockSize(next);
    if (prevIsFree) { unlink(next); freeBlocks--; }
    else linkBetween(b, prevFree(next), nextFree(next)); // b takes next's place in the list
    if (DEBUG && junkFill) memory.fill(next, FREE_JUNK, MIN_BLOCK);
    size += nextSize;
  }
  if (!prevIsFree && !nextIsFree) {
    insertOrdered(b);
    freeBlocks++;
  }
  setBlock(b, size, 0);
  return true;
}

// ── Checker ──────────────────────────────────────────────────────────────────────────────────

/**
 * Walks the whole pool and returns the number of inconsistencies found (0: healthy). Checks
 * every invariant in this file's header. Terminates on any corruption: the block walk stops at
 * the first impossible size, and the free list is followed in lock-step with it.
 */
export function pcheck(): i32 {
  if (bitmap == 0) return 0;
  let bad = 0;
  let b = heapStart, before: usize = 0, beforeFree = false;
  let cursor = freeHead, cursorBack: usize = 0; // the free list, walked alongside
  let uBytes: usize = 0, fBytes: usize = 0, uBlocks: u32 = 0, fBlocks: u32 = 0;
  while (b < sentinel) {
    const size = blockSize(b);
    if (size < MIN_BLOCK || size > sentinel - b) { bad++; break; } // cannot step further
    if ((load<usize>(b) & FLAG_MASK & ~USED) != 0) bad++;
    if (prevSize(b) != before) bad++;
    const used = blockIsUsed(b);
    if (used != bitIsSet(payloadOf(b))) bad++;
    if (used) {
      uBlocks++;
      uBytes += size;
    } else {
      if (beforeFree) bad++; // two free blocks touch: a missed merge
      fBlocks++;
      fBytes += size;
      if (cursor != b) { bad++; cursor = b; } // the list skipped or invented a block
      else if (prevFree(cursor) != cursorBack) bad++;
      cursorBack = cursor;
      cursor = nextFree(cursor);
    }
    before = size;
    beforeFree = !used;
    b += size;
  }
  if (b != sentinel) bad++;
  else if (load<usize>(sentinel) != USED || prevSize(sentinel) != before) bad++;
  if (cursor != 0) bad++; // the list goes on past the last free block
  if (uBytes != usedBytes || fBytes != freeBytes || uBlocks != usedBlocks || fBlocks != freeBlocks) bad++;
  if (bitmapPopulation() != usedBlocks) bad++; // a stray bit
  return bad;
}

/** The number of set bits in the start bitmap. */
function bitmapPopulation(): u32 {
  let n: u32 = 0;
  for (let w = bitmap; w < heapStart; w += 4) n += popcnt<u32>(load<u32>(w));
  return n;
}

// ── Figures ──────────────────────────────────────────────────────────────────────────────────

/** Bytes in used blocks, headers and alignment slack included. */
export function pstats_used(): usize { return usedBytes; }

/** Bytes in free blocks, headers included. pstats_used() + pstats_free() is constant. */
export function pstats_free(): usize { return freeBytes; }

/** The largest `size` a palloc could serve right now (0 when nothing is free). O(free blocks). */
export function pstats_largest_free(): usize {
  let largest: usize = 0;
  let f = freeHead;
  for (let n: u32 = 0; f != 0 && n < freeBlocks; n++, f = nextFree(f)) { // bounded: a damaged list ends
    if (blockSize(f) > largest) largest = blockSize(f);
  }
  return largest == 0 ? 0 : largest - HEADER;
}

/** The number of live (allocated) blocks. */
export function pstats_blocks(): u32 { return usedBlocks; }

/** The number of free blocks. */
export function pstats_free_blocks(): u32 { return freeBlocks; }

/** How many palloc / palloc_ali requests returned 0 since pinit. */
export function pstats_failed(): u32 { return failedRequests; }

/** The first block of the pool (0 without a pool). */
export function palloc_first_block(): usize { return heapStart; }
/** The pool's end tag, after its last block (0 without a pool). */
export function palloc_sentinel(): usize { return sentinel; }

/** Turns the junk fills of allocated (0xA5) and freed (0xDD) payloads on or off (on while DEBUG). */
export function palloc_debug_junk(on: bool): void { junkFill = DEBUG && on; }
