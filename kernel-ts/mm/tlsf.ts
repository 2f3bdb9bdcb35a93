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
// Size classes:  size < 256: fl = 0,              sl = size / 8     (exact, one list per 8 bytes)
//                otherwise:  fl = fls(size) - 7,  sl = the 5 bits below the top bit
//   size bits:   31 ...... top bit (fls) | top-1 .. top-5: sl | the rest: ignored by the mapping
//
// Block layout (header 8 bytes; payloads 8-aligned; sizes count payload bytes, multiples of 8):
//
//   block ─► ┌──────────────────────────────────────────────────┬───────┐
//          0 │ previous physical block (0: the first of a pool) │ A 2-0 │  A: alignment code
//            ├──────────────────────────────────────────────────┼─────┬─┤
//          4 │ payload size                                     │ A4-3│F│  F: free
//  payload ► ├──────────────────────────────────────────────────┴─────┴─┤
//          8 │ used: the caller's bytes                                 │
//            │ free: next free block of the same class (0: last)        │  offset 8
//            │       previous free block of the same class (0: first)   │  offset 12
//            └──────────────────────────────────────────────────────────┘
//   alignment code (A, 5 bits) = log2(the requested alignment) - 3; 0 for plain allocations and
//   free blocks. It is what tlsf_realloc keeps when it moves a block.
//
// Pool layout: [block][block]...[sentinel], the sentinel a used header of size 0 that ends the
// physical chain. Control structure (static, CONTROL_SIZE bytes, plus a few globals):
//
//   slMap[FL_COUNT]          u32  bit sl set ⇔ head[fl][sl] != 0     (flMap, a global: bit fl
//   head[FL_COUNT][SL_COUNT] u32  first free block of each class       set ⇔ slMap[fl] != 0)
//   pool[MAX_POOLS]          u32 lo (first block), u32 hi (just past the sentinel)
//
// Invariants (counted by tlsf_check): blocks tile each pool exactly; every header's previous
// block is right; no two free blocks touch; the lists hold exactly the free blocks,
// each in its own class, with consistent back links; the bitmaps match the lists; the figures
// match a walk.

import { alignDown, alignUp, isAligned, isPowerOfTwo } from "./align";

/** Assert invariants, and (while tlsf_debug_junk is on) fill allocated and freed payloads. */
const DEBUG: bool = true;
const ALLOC_JUNK: u8 = 0xa5;
const FREE_JUNK: u8 = 0xdd;

const ALIGN_LOG2: u32 = 3;
const ALIGN: usize = 1 << ALIGN_LOG2; // every block address and size is a multiple of 8
const SL_LOG2: u32 = 5;
const SL_COUNT: u32 = 1 << SL_LOG2; // 32 lists per power of two
const FL_SHIFT: u32 = SL_LOG2 + ALIGN_LOG2; // 8
const SMALL_SIZE: usize = 1 << FL_SHIFT; // 256: below it, fl = 0 and sl = size / 8
const FL_COUNT: u32 = 32 - FL_SHIFT + 1; // 25: fl 0 (small) and one per top bit 8..31
const LIST_COUNT: u32 = FL_COUNT * SL_COUNT;

const HEADER: usize = 8; // previous block | code, size | code | F
const MIN_PAYLOAD: usize = 8; // room for the two list links of a free block
const MIN_BLOCK: usize = HEADER + MIN_PAYLOAD; // 16: the smallest piece a split leaves
const FREE: usize = 1; // size word, bit 0
const CODE_HI: usize = 6; // size word, bits 2..1: alignment code bits 4..3 (bits 2..0: first word)
const FLAGS: usize = ALIGN - 1; // the low bits of both header words
const REQUEST_MAX: usize = 1 << 30; // larger requests return 0: no sum below can reach 2^32
const ALIGN_MAX: usize = 1 << 30; // alignment code 27
const MAX_POOLS: i32 = 16;
const NO_LIST: u32 = 0xffffffff;

/** The lock number the _lk functions pass: 0, the lock of the TLSF heap (there is one heap). */
export const TLSF_LK_HEAP: i32 = 0;

const SL_MAP_AT: usize = 0;
const HEAD_AT: usize = SL_MAP_AT + (<usize>FL_COUNT << 2);
const POOL_AT: usize = HEAD_AT + (<usize>LIST_COUNT << 2);
const CONTROL_SIZE: usize = POOL_AT + (<usize>MAX_POOLS << 3);
const control = memory.data(<i32>CONTROL_SIZE, 8);

let flMap: u32 = 0;
let poolCount: i32 = 0;
let totalBytes: usize = 0; // bytes in blocks (headers included): used + free
let usedBytes: usize = 0; // bytes in used blocks, headers included
let peakUsed: usize = 0;
let usedBlocks: u32 = 0;
let freeBlocks: u32 = 0;
let failedRequests: u32 = 0;
let junkFill: bool = DEBUG;
let growing: bool = false;
let wild: usize = 0; // the last free block seen before a sentinel (a hint: stale is harmless)

function noLock(lk: i32): void {}
let lockFn: (lk: i32) => void = noLock;
let unlockFn: (lk: i32) => void = noLock;
let growHook: ((minBytes: usize) => bool) | null = null;

// ── Block accessors ──────────────────────────────────────────────────────────────────────────

@inline function blockSize(b: usize): usize { return load<usize>(b, 4) & ~FLAGS; }
@inline function blockIsFree(b: usize): bool { return (load<usize>(b, 4) & FREE) != 0; }
@inline function blockPrev(b: usize): usize { return load<usize>(b) & ~FLAGS; }
@inline function blockNext(b: usize): usize { return b + HEADER + blockSize(b); }
@inline function blockPayload(b: usize): usize { return b + HEADER; }
@inline function blockAlignCode(b: usize): u32 {
  return (load<u32>(b) & 7) | ((load<u32>(b, 4) & <u32>CODE_HI) << 2);
}
@inline function codeAlign(code: u32): usize { return <usize>1 << (code + ALIGN_LOG2); }
@inline function nextFree(b: usize): usize { return load<usize>(b, 8); }
@inline function prevFree(b: usize): usize { return load<usize>(b, 12); }

/** Points `b` back at `prev`, keeping b's alignment code. */
@inline function setBlockPrev(b: usize, prev: usize): void {
  store<usize>(b, prev | (load<usize>(b) & FLAGS));
}

/** Gives `b` a new size, keeping its flags. */
@inline function setBlockSize(b: usize, size: usize): void {
  store<usize>(b, size | (load<usize>(b, 4) & FLAGS), 4);
}

/** Makes `b` a used block with alignment code `code`. */
@inline function markUsed(b: usize, code: u32): void {
  store<usize>(b, blockPrev(b) | (code & 7));
  store<usize>(b, blockSize(b) | ((code >> 3) << 1), 4);
}

/** Makes `b` a free block (code 0). */
@inline function markFree(b: usize): void {
  store<usize>(b, blockPrev(b));
  store<usize>(b, blockSize(b) | FREE, 4);
}

/** Merges block `n`, physically right after `b`, into `b`; wipes n's header so an old pointer to n fails. */
@inline function absorb(b: usize, n: usize): void {
  setBlockSize(b, blockSize(b) + HEADER + blockSize(n));
  store<u32>(n, 0);
  store<u32>(n, 0, 4);
}

// ── Size classes (mapping_insert, mapping_search) ────────────────────────────────────────────

@inline function fls(x: usize): u32 { return 31 - clz<u32>(<u32>x); }
@inline function slMap(fl: u32): u32 { return load<u32>(control + SL_MAP_AT + (<usize>fl << 2)); }
@inline function setSlMap(fl: u32, m: u32): void { store<u32>(control + SL_MAP_AT + (<usize>fl << 2), m); }
@inline function listHead(i: u32): usize { return load<usize>(control + HEAD_AT + (<usize>i << 2)); }
@inline function setListHead(i: u32, b: usize): void { store<usize>(control + HEAD_AT + (<usize>i << 2), b); }

/** mapping_insert: the list (fl * SL_COUNT + sl) a free block of `size` bytes belongs to. */
@inline function mappingInsert(size: usize): u32 {
  if (size < SMALL_SIZE) return <u32>(size >> ALIGN_LOG2);
  const top = fls(size);
  return ((top - FL_SHIFT + 1) << SL_LOG2) + ((<u32>(size >> (top - SL_LOG2))) ^ SL_COUNT);
}

/** mapping_search: the first list all of whose blocks hold `size` bytes (`size` rounded up to a class end). */
@inline function mappingSearch(size: usize): u32 {
  if (size >= SMALL_SIZE) size += (<usize>1 << (fls(size) - SL_LOG2)) - 1;
  return mappingInsert(size);
}

/** The first non-empty list at or after list `i`, or -1 (NO_LIST). Two ctz: O(1). */
function searchSuitable(i: u32): u32 {
  let fl = i >> SL_LOG2;
  let map = slMap(fl) & (<u32>0xffffffff << (i & (SL_COUNT - 1)));
  if (map == 0) {
    const flBits = flMap & (<u32>0xffffffff << (fl + 1));
    if (flBits == 0) return NO_LIST;
    fl = ctz<u32>(flBits);
    map = slMap(fl);
  }
  return (fl << SL_LOG2) + ctz<u32>(map);
}

/** Puts free block `b` at the head of its class's list. */
function insertFree(b: usize): void {
  const i = mappingInsert(blockSize(b));
  const fl = i >> SL_LOG2;
  const head = listHead(i);
  store<usize>(b, head, 8);
  store<usize>(b, 0, 12);
  if (head != 0) store<usize>(head, b, 12);
  setListHead(i, b);
  setSlMap(fl, slMap(fl) | (<u32>1 << (i & (SL_COUNT - 1))));
  flMap |= <u32>1 << fl;
  freeBlocks++;
}

/** Takes free block `b` out of its class's list. */
function removeFree(b: usize): void {
  const next = nextFree(b), prev = prevFree(b);
  if (prev != 0) {
    store<usize>(prev, next, 8);
    if (next != 0) store<usize>(next, prev, 12);
    freeBlocks--;
  } else {
    const i = mappingInsert(blockSize(b));
    if (DEBUG) assert(listHead(i) == b, "removeFree: block not in its list");
    unlinkHead(i, next);
  }
}

/** Makes `next` the head of list `i`, whose old head leaves it; clears the bitmaps' bits when it empties. */
@inline function unlinkHead(i: u32, next: usize): void {
  setListHead(i, next);
  if (next == 0) {
    const fl = i >> SL_LOG2;
    const map = slMap(fl) & ~(<u32>1 << (i & (SL_COUNT - 1)));
    setSlMap(fl, map);
    if (map == 0) flMap &= ~(<u32>1 << fl);
  } else store<usize>(next, 0, 12);
  freeBlocks--;
}

/** Takes the first block out of non-empty list `i` and returns it. */
function popHead(i: u32): usize {
  const b = listHead(i);
  unlinkHead(i, nextFree(b));
  return b;
}

/**
 * Takes a free block holding at least `need` bytes out of its list; 0 when there is none. The
 * search skips need's own class, whose blocks may be smaller: its first block is tried too when
 * the search finds nothing or only the wilderness.
 */
function takeFree(need: usize): usize {
  let i = searchSuitable(mappingSearch(need));
  if (i == NO_LIST || listHead(i) == wild) {
    const own = mappingInsert(need);
    const c = listHead(own);
    if (c != 0 && blockSize(c) >= need) i = own;
    else if (i == NO_LIST) return 0;
  }
  return popHead(i);
}

// ── Splitting and merging ────────────────────────────────────────────────────────────────────

/**
 * Cuts block `b` (in no list, to be used) down to `size` bytes; returns the rest as a new free
 * block (in no list; the block after it not yet told), or 0 when the rest is too small for a block.
 */
function splitTail(b: usize, size: usize): usize {
  const rest = blockSize(b) - size;
  if (rest < MIN_BLOCK) return 0;
  const t = b + HEADER + size;
  store<usize>(t, b);
  store<usize>(t, (rest - HEADER) | FREE, 4);
  setBlockPrev(blockNext(t), t);
  setBlockSize(b, size);
  return t;
}

/**
 * Cuts the front off free block `b` (in no list) so that its payload is `align`-aligned; the front
 * goes back as a free block. Returns the aligned block.
 */
function trimLead(b: usize, align: usize): usize {
  const p = blockPayload(b);
  let gap = alignUp(p, align) - p;
  if (gap == 0) return b;
  if (gap < MIN_BLOCK) gap = alignUp(p + MIN_BLOCK, align) - p; // the front must be a block
  const a = b + gap;
  store<usize>(a, b);
  store<usize>(a, blockSize(b) - gap, 4);
  setBlockPrev(blockNext(a), a);
  setBlockSize(b, gap - HEADER);
  insertFree(b); // the block before is used: free blocks never touch
  return a;
}

/** Makes `b` (in no list) free, merges it with free neighbours, lists it and tells the block after it. */
function release(b: usize): void {
  const prev = blockPrev(b);
  if (prev != 0 && blockIsFree(prev)) {
    removeFree(prev);
    absorb(prev, b);
    b = prev;
  } else markFree(b);
  let next = blockNext(b);
  if (blockIsFree(next)) {
    removeFree(next);
    absorb(b, next);
    next = blockNext(b);
  }
  setBlockPrev(next, b);
  if (blockSize(next) == 0) wild = b; // next is a sentinel
  insertFree(b);
}

// ── Pools ────────────────────────────────────────────────────────────────────────────────────

@inline function poolLo(i: i32): usize { return load<usize>(control + POOL_AT + (<usize>i << 3)); }
@inline function poolHi(i: i32): usize { return load<usize>(control + POOL_AT + (<usize>i << 3), 4); }
@inline function setPool(i: i32, lo: usize, hi: usize): void {
  store<usize>(control + POOL_AT + (<usize>i << 3), lo);
  store<usize>(control + POOL_AT + (<usize>i << 3), hi, 4);
}

/** The pool whose blocks (not its sentinel) include address `b`, or -1. */
function poolOf(b: usize): i32 {
  for (let i = 0; i < poolCount; i++) if (b >= poolLo(i) && b < poolHi(i) - HEADER) return i;
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
  memory.fill(control, 0, CONTROL_SIZE);
  flMap = 0;
  poolCount = 0;
  wild = 0;
  totalBytes = usedBytes = peakUsed = 0;
  usedBlocks = freeBlocks = failedRequests = 0;
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
    if (lo < poolHi(i) && poolLo(i) < hi) return false;
    if (poolHi(i) == lo) before = i;
    if (poolLo(i) == hi) after = i;
  }
  const start = before >= 0 ? lo - HEADER : lo; // the sentinel before becomes the new block's header
  const limit = after >= 0 ? hi : hi - HEADER; // where the header after the new block sits
  if (limit <= start || limit - start < MIN_BLOCK) return false;
  if (before < 0 && after < 0 && poolCount == MAX_POOLS) return false;

  store<usize>(start, before >= 0 ? blockPrev(start) : 0);
  store<usize>(start, limit - start - HEADER, 4);
  if (after >= 0) setBlockPrev(limit, start);
  else {
    store<usize>(limit, start); // a new sentinel: used, size 0
    store<usize>(limit, 0, 4);
  }
  if (before >= 0 && after >= 0) {
    setPool(before, poolLo(before), poolHi(after));
    poolCount--;
    setPool(after, poolLo(poolCount), poolHi(poolCount));
  } else if (before >= 0) setPool(before, poolLo(before), hi);
  else if (after >= 0) setPool(after, lo, poolHi(after));
  else setPool(poolCount++, lo, hi);
  totalBytes += limit - start;
  release(start);
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

/** Asks the growth hook for memory that can serve a search for `need` bytes. */
function grow(need: usize): bool {
  const hook = growHook;
  if (hook == null || growing) return false;
  if (need >= SMALL_SIZE) need = alignUp(need + (<usize>1 << (fls(need) - SL_LOG2)) - 1, ALIGN); // searched
  growing = true;
  const ok = hook(need + 2 * HEADER); // as a separate pool: the block's header and a sentinel
  growing = false;
  return ok;
}

// ── Allocation ───────────────────────────────────────────────────────────────────────────────

/** A request's payload size: at least MIN_PAYLOAD, a multiple of 8. */
@inline function adjustSize(size: usize): usize {
  return size <= MIN_PAYLOAD ? MIN_PAYLOAD : alignUp(size, ALIGN);
}

@inline function refuse(): usize { failedRequests++; return 0; }

/** Allocates `size` (1..REQUEST_MAX) bytes at a multiple of 2^(code + 3). */
function allocate(size: usize, code: u32): usize {
  const adj = adjustSize(size);
  const align = codeAlign(code);
  // An aligned payload lies at most align + 8 bytes into a free block (trimLead).
  const need = code == 0 ? adj : adj + align + ALIGN;
  let b = takeFree(need);
  if (b == 0 && grow(need)) b = takeFree(need);
  if (b == 0) return refuse();
  const wasWild = b == wild;
  if (code != 0) b = trimLead(b, align);
  const t = splitTail(b, adj);
  if (t != 0) insertFree(t); // the block after was used
  if (wasWild) wild = t;
  markUsed(b, code);
  usedBytes += HEADER + blockSize(b);
  usedBlocks++;
  if (usedBytes > peakUsed) peakUsed = usedBytes;
  if (DEBUG && junkFill) memory.fill(blockPayload(b), ALLOC_JUNK, blockSize(b));
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

/**
 * The block whose payload is at `ptr`, or 0 when `ptr` is not a live block. O(pools): `ptr` must
 * be 8-aligned inside a pool, its header used and sized within the pool, the blocks before and
 * after it must link to it both ways, and `ptr` must be aligned as its code says. Headers
 * swallowed by a merge are wiped, so stale pointers fail; only a header forged inside a payload
 * that both neighbours agree with would pass.
 */
function liveBlock(ptr: usize): usize {
  if (ptr == 0 || !isAligned(ptr, ALIGN)) return 0;
  const b = ptr - HEADER;
  const pool = poolOf(b);
  if (pool < 0) return 0;
  const info = load<usize>(b, 4);
  const size = info & ~FLAGS;
  if ((info & FREE) != 0 || size < MIN_PAYLOAD || size > poolHi(pool) - HEADER - ptr) return 0;
  if (blockPrev(ptr + size) != b) return 0;
  const prev = blockPrev(b);
  if (prev == 0 ? b != poolLo(pool) : prev < poolLo(pool) || prev >= b || blockNext(prev) != b) return 0;
  return isAligned(ptr, codeAlign(blockAlignCode(b))) ? b : 0;
}

/** Frees live block `b`. */
function freeBlock(b: usize): void {
  const size = blockSize(b);
  usedBytes -= HEADER + size;
  usedBlocks--;
  if (DEBUG && junkFill) memory.fill(blockPayload(b), FREE_JUNK, size);
  release(b);
}

/**
 * Frees the block at `ptr`, merging it with free neighbours. Returns false, changing nothing,
 * when `ptr` is not a live block: 0, a double free, an interior, misaligned or foreign pointer.
 * O(1) (O(pools) to find the pool).
 */
export function tlsf_free(ptr: usize): bool {
  const b = liveBlock(ptr);
  if (b == 0) return false;
  freeBlock(b);
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
  const b = liveBlock(ptr);
  if (b == 0) return 0;
  if (size == 0) { freeBlock(b); return 0; }
  if (size > REQUEST_MAX) return refuse();
  const adj = adjustSize(size);
  const cur = blockSize(b);
  if (adj > cur) {
    const next = blockNext(b);
    if (!blockIsFree(next) || cur + HEADER + blockSize(next) < adj) {
      const q = allocate(size, blockAlignCode(b));
      if (q == 0) return 0;
      memory.copy(q, ptr, cur);
      freeBlock(b);
      return q;
    }
    removeFree(next);
    if (next == wild) wild = 0;
    absorb(b, next);
    setBlockPrev(blockNext(b), b);
    usedBytes += blockSize(b) - cur;
    if (usedBytes > peakUsed) peakUsed = usedBytes;
  }
  const t = splitTail(b, adj);
  if (t != 0) {
    usedBytes -= HEADER + blockSize(t);
    if (DEBUG && junkFill) memory.fill(blockPayload(t), FREE_JUNK, blockSize(t));
    release(t); // merges with a free block after it
  }
  if (DEBUG && junkFill && blockSize(b) > cur) memory.fill(ptr + cur, ALLOC_JUNK, blockSize(b) - cur);
  return ptr;
}

/** The usable size of the block at `ptr` (at least what was asked for), or 0 when it is not a live block. */
export function tlsf_block_size(ptr: usize): usize {
  const b = liveBlock(ptr);
  return b == 0 ? 0 : blockSize(b);
}

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

// ── Checker and walk ─────────────────────────────────────────────────────────────────────────

/** True when `b` could be a block header inside some pool (so reading it cannot fault). */
function inPool(b: usize): bool { return isAligned(b, ALIGN) && poolOf(b) >= 0; }

/**
 * Returns the number of inconsistencies in the heap (0: healthy): every invariant in this file's
 * header. Terminates on any corruption: a physical walk stops at the first impossible size, and
 * list walks stop after as many blocks as the physical walks found free (a cycle is counted).
 */
export function tlsf_check(): i32 {
  let bad = 0;
  let used: usize = 0, free: usize = 0;
  let nUsed: u32 = 0, nFree: u32 = 0;
  for (let i = 0; i < poolCount; i++) {
    const lo = poolLo(i), end = poolHi(i) - HEADER;
    if (!isAligned(lo, ALIGN) || end <= lo || end - lo < MIN_BLOCK) { bad++; continue; }
    for (let j = 0; j < i; j++) if (lo < poolHi(j) && poolLo(j) < end + HEADER) bad++;
    let b = lo, prev: usize = 0, prevWasFree = false;
    while (b < end) {
      const size = blockSize(b), isFree = blockIsFree(b);
      if (blockPrev(b) != prev) bad++;
      if (size < MIN_PAYLOAD || size > end - b - HEADER) { bad++; break; }
      if (isFree) {
        if (prevWasFree || blockAlignCode(b) != 0) bad++;
        free += HEADER + size;
        nFree++;
      } else {
        if (!isAligned(blockPayload(b), codeAlign(blockAlignCode(b)))) bad++;
        used += HEADER + size;
        nUsed++;
      }
      prevWasFree = isFree;
      prev = b;
      b += HEADER + size;
    }
    if (b == end && (blockPrev(end) != prev || load<usize>(end, 4) != 0)) bad++; // the sentinel
  }
  let listed: u32 = 0;
  for (let fl: u32 = 0; fl < FL_COUNT; fl++) {
    const map = slMap(fl);
    if (((flMap >> fl) & 1) != <u32>(map != 0)) bad++;
    for (let sl: u32 = 0; sl < SL_COUNT; sl++) {
      const i = (fl << SL_LOG2) + sl;
      let f = listHead(i), back: usize = 0;
      if (((map >> sl) & 1) != <u32>(f != 0)) bad++;
      while (f != 0) {
        if (listed == nFree || !inPool(f)) { bad++; break; } // a cycle, a stray block, or garbage
        if (!blockIsFree(f) || mappingInsert(blockSize(f)) != i || prevFree(f) != back) bad++;
        listed++;
        back = f;
        f = nextFree(f);
      }
    }
  }
  if (listed != nFree || nFree != freeBlocks || nUsed != usedBlocks) bad++;
  if (used != usedBytes || used + free != totalBytes || peakUsed < usedBytes) bad++;
  return bad;
}

/** Calls `cb(payload, size, used)` for every block, pool by pool in address order; `cb` must not allocate. */
export function tlsf_walk(cb: (ptr: usize, size: usize, used: bool) => void): void {
  for (let i = 0; i < poolCount; i++) {
    const end = poolHi(i) - HEADER;
    for (let b = poolLo(i); b < end; b = blockNext(b)) {
      const size = blockSize(b);
      if (size > end - b - HEADER) abort("tlsf_walk: block size out of its pool");
      cb(blockPayload(b), size, !blockIsFree(b));
    }
  }
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
