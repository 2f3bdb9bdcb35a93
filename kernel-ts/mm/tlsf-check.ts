// tlsf-check: the TLSF heap's checker and walk (kernel-ts/mm/tlsf.ts re-exports both).
// Units: bytes; counts of broken invariants. Reads the heap, never changes it; terminates on any
// damage. The invariants are those of tlsf.ts's header, the block format that of tlsf-block.ts.

import { isAligned } from "./align";
import {
  ALIGN, HEADER, MIN_PAYLOAD, MIN_BLOCK, FL_COUNT, SL_COUNT, SL_LOG2, flMap, freeBlocks,
  blockSize, blockIsFree, blockPrev, blockNext, blockPayload, blockAlignCode, codeAlign, nextFree,
  prevFree, mappingInsert, listHead, slMap, poolLo, poolEnd,
} from "./tlsf-block";
import { poolCount, poolOf, totalBytes, usedBytes, peakUsed, usedBlocks } from "./tlsf";

/** True when `b` could be a block header inside some pool (so reading it cannot fault). */
function inPool(b: usize): bool { return isAligned(b, ALIGN) && poolOf(b) >= 0; }

/**
 * Returns the number of inconsistencies in the heap (0: healthy): every invariant in tlsf.ts's
 * header. Terminates on any corruption: a physical walk stops at the first impossible size, and
 * list walks stop after as many blocks as the physical walks found free (a cycle is counted).
 */
export function tlsf_check(): i32 {
  let bad = 0;
  let used: usize = 0, free: usize = 0;
  let nUsed: u32 = 0, nFree: u32 = 0;
  for (let i = 0; i < poolCount; i++) {
    const lo = poolLo(i), end = poolEnd(i);
    if (!isAligned(lo, ALIGN) || end <= lo || end - lo < MIN_BLOCK) { bad++; continue; }
    for (let j = 0; j < i; j++) if (lo < poolEnd(j) + HEADER && poolLo(j) < end + HEADER) bad++;
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
    const end = poolEnd(i);
    for (let b = poolLo(i); b < end; b = blockNext(b)) {
      const size = blockSize(b);
      if (size > end - b - HEADER) abort("tlsf_walk: block size out of its pool");
      cb(blockPayload(b), size, !blockIsFree(b));
    }
  }
}
