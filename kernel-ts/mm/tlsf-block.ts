// tlsf-block: the block format, size classes and free lists of the TLSF heap (kernel-ts/mm/tlsf.ts).
// Units: bytes; addresses and sizes are u32. Everything that changes a header, a list or a bitmap
// lives here; tlsf.ts adds the pools, the public calls and the figures. See docs/tlsf.md.
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
// physical chain. Control structure (static, CONTROL_SIZE bytes, plus the globals below):
//
//   slMap[FL_COUNT]          u32  bit sl set ⇔ head[fl][sl] != 0     (flMap, a global: bit fl
//   head[FL_COUNT][SL_COUNT] u32  first free block of each class       set ⇔ slMap[fl] != 0)
//   pool[MAX_POOLS]          u32 lo (first block), u32 end (the sentinel); unused entries 0, 0
//
// Counting: the list operations (listInsert, listRemove, unlinkHead) link and unlink only; the
// state changes built on them (takeFree + carve, trimLead, release, swallowNext) keep freeBlocks.

import { alignUp } from "./align";

/** Assert invariants, and (while tlsf_debug_junk is on) fill allocated and freed payloads. */
export const DEBUG: bool = true;

export const ALIGN_LOG2: u32 = 3;
export const ALIGN: usize = 1 << ALIGN_LOG2; // every block address and size is a multiple of 8
export const SL_LOG2: u32 = 5;
export const SL_COUNT: u32 = 1 << SL_LOG2; // 32 lists per power of two
const FL_SHIFT: u32 = SL_LOG2 + ALIGN_LOG2; // 8
export const SMALL_SIZE: usize = 1 << FL_SHIFT; // 256: below it, fl = 0 and sl = size / 8
export const FL_COUNT: u32 = 32 - FL_SHIFT + 1; // 25: fl 0 (small) and one per top bit 8..31
const LIST_COUNT: u32 = FL_COUNT * SL_COUNT;

export const HEADER: usize = 8; // previous block | code, size | code | F
export const MIN_PAYLOAD: usize = 8; // room for the two list links of a free block
export const MIN_BLOCK: usize = HEADER + MIN_PAYLOAD; // 16: the smallest piece a split leaves
const FREE: usize = 1; // size word, bit 0
const CODE_LO: usize = 7; // first word, bits 2..0: alignment code bits 2..0
const CODE_HI: usize = 6; // size word, bits 2..1: alignment code bits 4..3
const FLAGS: usize = ALIGN - 1; // the low bits of both header words
export const MAX_POOLS: i32 = 16;
export const NO_LIST: u32 = 0xffffffff;

const SL_MAP_AT: usize = 0;
const HEAD_AT: usize = SL_MAP_AT + (<usize>FL_COUNT << 2);
const POOL_AT: usize = HEAD_AT + (<usize>LIST_COUNT << 2);
export const CONTROL_SIZE: usize = POOL_AT + (<usize>MAX_POOLS << 3);
export const control = memory.data(<i32>CONTROL_SIZE, 8);

export let flMap: u32 = 0;
export let freeBlocks: u32 = 0;
export let wild: usize = 0; // the last free block seen before a sentinel (a hint: stale is harmless)

/** Forgets every list and pool: empty bitmaps, lists and pool table, no free block. */
export function resetControl(): void {
  memory.fill(control, 0, CONTROL_SIZE);
  flMap = 0;
  freeBlocks = 0;
  wild = 0;
}

// ── Block accessors ──────────────────────────────────────────────────────────────────────────

@inline export function blockSize(b: usize): usize { return infoSize(load<usize>(b, 4)); }
@inline export function blockIsFree(b: usize): bool { return infoIsFree(load<usize>(b, 4)); }
@inline export function blockPrev(b: usize): usize { return firstPrev(load<usize>(b)); }
@inline export function blockNext(b: usize): usize { return b + HEADER + blockSize(b); }
@inline export function blockPayload(b: usize): usize { return b + HEADER; }
@inline export function blockAlignCode(b: usize): u32 { return headerCode(load<usize>(b), load<usize>(b, 4)); }
/** The alignment code held by a header's two words (`first`, `info`). */
@inline export function headerCode(first: usize, info: usize): u32 {
  return <u32>((first & CODE_LO) | ((info & CODE_HI) << 2));
}
/** The previous block held by a header's first word. */
@inline export function firstPrev(first: usize): usize { return first & ~FLAGS; }
/** The size and the free flag held by a header's size word `info`. */
@inline export function infoSize(info: usize): usize { return info & ~FLAGS; }
@inline export function infoIsFree(info: usize): bool { return (info & FREE) != 0; }
@inline export function isSentinel(b: usize): bool { return load<usize>(b, 4) == 0; } // used, size 0
@inline export function codeAlign(code: u32): usize { return <usize>1 << (code + ALIGN_LOG2); }
@inline export function nextFree(b: usize): usize { return load<usize>(b, 8); }
@inline export function prevFree(b: usize): usize { return load<usize>(b, 12); }

/** Points `b` back at `prev`, keeping b's alignment code. */
@inline export function setBlockPrev(b: usize, prev: usize): void {
  store<usize>(b, prev | (load<usize>(b) & FLAGS));
}

/** Gives `b` a new size, keeping its flags. */
@inline export function setBlockSize(b: usize, size: usize): void {
  store<usize>(b, size | (load<usize>(b, 4) & FLAGS), 4);
}

/** Writes a fresh header: `b` follows `prev`, `size` bytes, used with code 0. */
@inline export function setHeader(b: usize, prev: usize, size: usize): void {
  store<usize>(b, prev);
  store<usize>(b, size, 4);
}

/** Zeroes the header of a block swallowed by a merge, so an old pointer to it fails. */
@inline function wipeHeader(b: usize): void {
  store<usize>(b, 0);
  store<usize>(b, 0, 4);
}

// ── Size classes (mapping_insert, mapping_search) ────────────────────────────────────────────

@inline export function fls(x: usize): u32 { return 31 - clz<u32>(<u32>x); }

/** The list of a size of at least SMALL_SIZE: fl from its top bit, sl from the 5 bits below. */
@inline function mappingLarge(size: usize): u32 {
  const top = fls(size);
  return ((top - FL_SHIFT + 1) << SL_LOG2) + ((<u32>(size >> (top - SL_LOG2))) ^ SL_COUNT);
}

/** mapping_insert: the list (fl * SL_COUNT + sl) a free block of `size` bytes belongs to. */
@inline export function mappingInsert(size: usize): u32 {
  return size < SMALL_SIZE ? <u32>(size >> ALIGN_LOG2) : mappingLarge(size);
}

/** mapping_search: the first list all of whose blocks hold `size` bytes (`size` rounded up to a class end). */
@inline export function mappingSearch(size: usize): u32 {
  if (size < SMALL_SIZE) return <u32>(size >> ALIGN_LOG2);
  return mappingLarge(size + (<usize>1 << (fls(size) - SL_LOG2)) - 1);
}

/** The size a search for `size` bytes rounds up to: every block of mappingSearch(size)'s list holds it. */
@inline export function searchedSize(size: usize): usize {
  return size < SMALL_SIZE ? size : alignUp(size + (<usize>1 << (fls(size) - SL_LOG2)) - 1, ALIGN);
}

// ── Free lists and bitmaps ───────────────────────────────────────────────────────────────────

@inline function headAt(i: u32): usize { return control + HEAD_AT + (<usize>i << 2); }
@inline function slMapAt(fl: u32): usize { return control + SL_MAP_AT + (<usize>fl << 2); }
@inline export function listHead(i: u32): usize { return load<usize>(headAt(i)); }
@inline export function slMap(fl: u32): u32 { return load<u32>(slMapAt(fl)); }

/** The first non-empty list at or after list `i`, or NO_LIST. Two ctz: O(1). */
@inline function searchSuitable(i: u32): u32 {
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

/** Puts free block `b` of `size` bytes at the head of its class's list (sets the bits of a list that was empty). */
@inline function listInsert(b: usize, size: usize): void {
  const i = mappingInsert(size);
  const head = listHead(i);
  store<usize>(b, head, 8);
  store<usize>(b, 0, 12);
  store<usize>(headAt(i), b);
  if (head != 0) store<usize>(head, b, 12);
  else {
    const fl = i >> SL_LOG2;
    const old = slMap(fl);
    store<u32>(slMapAt(fl), old | (<u32>1 << (i & (SL_COUNT - 1))));
    if (old == 0) flMap |= <u32>1 << fl;
  }
}

/** Makes `next` the head of list `i`, whose old head leaves it; clears the bitmaps' bits when it empties. */
@inline function unlinkHead(i: u32, next: usize): void {
  store<usize>(headAt(i), next);
  if (next != 0) store<usize>(next, 0, 12);
  else {
    const fl = i >> SL_LOG2;
    const map = slMap(fl) & ~(<u32>1 << (i & (SL_COUNT - 1)));
    store<u32>(slMapAt(fl), map);
    if (map == 0) flMap &= ~(<u32>1 << fl);
  }
}

/** Takes free block `b` of `size` bytes out of its class's list. */
@inline function listRemove(b: usize, size: usize): void {
  const next = nextFree(b), prev = prevFree(b);
  if (prev != 0) {
    store<usize>(prev, next, 8);
    if (next != 0) store<usize>(next, prev, 12);
  } else {
    const i = mappingInsert(size);
    if (DEBUG) assert(listHead(i) == b, "listRemove: block not in its list");
    unlinkHead(i, next);
  }
}

/** Takes block `b`, the head of list `i`, out of it and returns it. */
@inline function takeHead(i: u32, b: usize): usize {
  unlinkHead(i, nextFree(b));
  return b;
}

/**
 * Takes a free block holding at least `need` bytes out of its list, or returns 0 when there is
 * none. The block stays counted in freeBlocks: carve settles the count. O(1).
 */
@inline export function takeFree(need: usize): usize {
  const i = searchSuitable(mappingSearch(need));
  if (i != NO_LIST) {
    const b = listHead(i);
    if (b != wild) return takeHead(i, b);
  }
  return takeFreeNearWild(need, i);
}

/**
 * takeFree when the search found no list (`i` NO_LIST) or one headed by the wilderness: the first
 * block of need's own class, whose blocks may be smaller, is taken if it fits, so that the pool's
 * untouched end is cut only when it must be.
 */
function takeFreeNearWild(need: usize, i: u32): usize {
  const own = mappingInsert(need);
  const c = listHead(own);
  if (c != 0 && blockSize(c) >= need) return takeHead(own, c);
  return i == NO_LIST ? 0 : takeHead(i, listHead(i));
}

// ── Splitting and merging ────────────────────────────────────────────────────────────────────

/**
 * Cuts what block `b` (of `size` bytes, in no list) holds beyond `keep` bytes into a new free block
 * and tells the block after it; returns it (not listed), or 0 when the rest is too small for a
 * block. b's size word is left to the caller.
 */
@inline export function splitTail(b: usize, size: usize, keep: usize): usize {
  const rest = size - keep;
  if (rest < MIN_BLOCK) return 0;
  const t = b + HEADER + keep;
  const tsize = rest - HEADER;
  store<usize>(t, b);
  store<usize>(t, tsize | FREE, 4);
  setBlockPrev(t + HEADER + tsize, t);
  return t;
}

/**
 * Cuts the front off block `b` (taken by takeFree) so that its payload is `align`-aligned; the
 * front goes back as a free block. Returns the aligned block (b itself when already aligned).
 */
export function trimLead(b: usize, align: usize): usize {
  const p = blockPayload(b);
  let gap = alignUp(p, align) - p;
  if (gap == 0) return b;
  if (gap < MIN_BLOCK) gap = alignUp(p + MIN_BLOCK, align) - p; // the front must be a block
  const a = b + gap;
  setHeader(a, b, blockSize(b) - gap);
  setBlockPrev(blockNext(a), a);
  setBlockSize(b, gap - HEADER);
  listInsert(b, gap - HEADER); // the block before is used: free blocks never touch
  freeBlocks++;
  return a;
}

/**
 * Makes block `b` (taken by takeFree, maybe trimmed; `wasWild` when takeFree's block was the
 * wilderness) a used block of `size` bytes (size + 8 ≤ its size, or equal) with alignment code
 * `code`; the rest becomes a free block. Returns b's payload size.
 */
@inline export function carve(b: usize, size: usize, code: u32, wasWild: bool): usize {
  let bsize = blockSize(b);
  const t = splitTail(b, bsize, size);
  if (t != 0) {
    listInsert(t, bsize - size - HEADER);
    bsize = size; // the block after was used; b left the lists, t joins them
  } else freeBlocks--; // b left the lists and nothing came back
  if (wasWild) wild = t;
  if (code != 0) store<usize>(b, load<usize>(b) | (<usize>code & CODE_LO)); // a free block's code is 0
  store<usize>(b, bsize | ((<usize>code >> 3) << 1), 4); // used, code bits 4..3
  return bsize;
}

/**
 * Makes block `b` (in no list; a used block's header, flags and code included, or a fresh one) of
 * `size` bytes after block `prev` free: merges it with free neighbours (wiping the headers they
 * swallow), lists the result and points the block after it back at it.
 */
@inline export function release(b: usize, prev: usize, size: usize): void {
  let next = b + HEADER + size;
  let merged: u32 = 0;
  const pinfo = prev != 0 ? load<usize>(prev, 4) : 0;
  if (infoIsFree(pinfo)) {
    const psize = infoSize(pinfo);
    listRemove(prev, psize);
    wipeHeader(b);
    size += HEADER + psize;
    b = prev; // a free block's first word is prev | code 0 already
    merged++;
  } else store<usize>(b, prev); // code 0
  const ninfo = load<usize>(next, 4);
  if (infoIsFree(ninfo)) {
    const nsize = infoSize(ninfo);
    listRemove(next, nsize);
    wipeHeader(next);
    size += HEADER + nsize;
    next = b + HEADER + size;
    merged++;
  }
  store<usize>(b, size | FREE, 4);
  setBlockPrev(next, b);
  if (isSentinel(next)) wild = b;
  listInsert(b, size);
  freeBlocks += 1 - merged;
}

/** Merges the free block right after used block `b` into b (in place: b keeps its flags and code). */
export function swallowNext(b: usize): void {
  const next = blockNext(b);
  const nsize = blockSize(next);
  listRemove(next, nsize);
  freeBlocks--;
  if (next == wild) wild = 0;
  wipeHeader(next);
  setBlockSize(b, blockSize(b) + HEADER + nsize);
  setBlockPrev(blockNext(b), b);
}

// ── The pool table ───────────────────────────────────────────────────────────────────────────

/** The pool table's address: MAX_POOLS pairs (first block, sentinel), unused pairs 0, 0 (the heap map reads it). */
export function pool_table(): usize { return control + POOL_AT; }
@inline export function poolLo(i: i32): usize { return load<usize>(control + POOL_AT + (<usize>i << 3)); }
@inline export function poolEnd(i: i32): usize { return load<usize>(control + POOL_AT + (<usize>i << 3), 4); }
@inline export function setPool(i: i32, lo: usize, end: usize): void {
  store<usize>(control + POOL_AT + (<usize>i << 3), lo);
  store<usize>(control + POOL_AT + (<usize>i << 3), end, 4);
}

/** True when lo ≤ b < end: `b` is a block address of the pool [lo, end) (one unsigned compare; false for an unused entry 0, 0). */
@inline export function inPoolRange(b: usize, lo: usize, end: usize): bool { return b - lo < end - lo; }
