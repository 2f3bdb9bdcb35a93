// frames: the physical frame allocator. Units: 4 KiB frames; addresses are physical (u32).
//
// A bitmap with one bit per frame of the address space up to the top of available RAM (1 = used),
// and a second one marking the frames this allocator manages (so a bad frame_free of, say, a BIOS
// page is refused), both allocated with balloc during early boot. frames_init marks every frame used, then frees the
// frames of each available region of the Multiboot memory map, leaving out low memory (below
// 1 MiB: BIOS data, the info block, VGA), everything below `reserveEnd` (the image, its data, the
// VM's stacks and the balloc arena) and the bitmap itself.
//
//   bitmap word w, bit b  ──  frame 32*w + b  ──  physical address (32*w + b) * 4096
//
//   0        1 MiB        reserveEnd                                    top of RAM
//   ├────────┼─────────────┼──────────────────────────────────────────────┤
//   │ never  │ image, VM,  │ free frames (what the map calls available)   │
//   │ handed │ balloc      │                                              │
//   └────────┴─────────────┴──────────────────────────────────────────────┘
//
// Costs: frame_alloc searches from a rotating hint, O(frames / 32) words in the worst case and
// O(1) when frames are mostly free; frame_free is O(1). Memory: 1 bit per 4 KiB (32 KiB for 1 GiB).
// Drawbacks: no contiguous multi-frame allocations; the search is linear when memory is nearly full.

import { balloc } from "./balloc";
import { alignUp } from "./align";
import { memmap_first, memmap_next, memmap_low, memmap_base, memmap_end, memmap_type, memmap_top, MMAP_AVAILABLE } from "./memmap";

export const FRAME_SIZE: usize = 4096;
const FRAME_SHIFT: u32 = 12;
const LOW_MEMORY_END: usize = 0x100000; // below 1 MiB: never handed out

let bitmap: usize = 0;    // one bit per frame, 1 = used
let managed: usize = 0;   // one bit per frame, 1 = handed out by this allocator at some point
let nframes: u32 = 0;     // frames covered by the bitmap (from 0 to the top of RAM)
let nfree: u32 = 0;
let total: u32 = 0;       // frames that were free after frames_init
let hint: u32 = 0;        // bitmap word where the next search starts

@inline function isUsed(f: u32): bool { return (load<u32>(bitmap + ((f >> 5) << 2)) & (1 << (f & 31))) != 0; }
@inline function setUsed(f: u32): void { store<u32>(bitmap + ((f >> 5) << 2), load<u32>(bitmap + ((f >> 5) << 2)) | (1 << (f & 31))); }
@inline function setFree(f: u32): void { store<u32>(bitmap + ((f >> 5) << 2), load<u32>(bitmap + ((f >> 5) << 2)) & ~(1 << (f & 31))); }
@inline function isManaged(f: u32): bool { return (load<u32>(managed + ((f >> 5) << 2)) & (1 << (f & 31))) != 0; }

/**
 * Builds the frame bitmap from the Multiboot information block at `info`, with balloc; frames
 * below `reserveEnd` (rounded up to a frame; pass image_end() plus the balloc arena) are never
 * handed out. Returns false when there is no memory map or balloc cannot hold the bitmap.
 */
export function frames_init(info: usize, reserveEnd: usize): bool {
  const top = memmap_top(info);
  if (top == 0) return false;
  nframes = <u32>(top >> FRAME_SHIFT);
  const words = (nframes + 31) >> 5;
  bitmap = balloc(words << 3, 4); // the used bitmap, then the managed bitmap
  if (bitmap == 0) return false;
  managed = bitmap + (words << 2);
  memory.fill(bitmap, 0xff, words << 2); // everything used until the map says otherwise
  memory.fill(managed, 0, words << 2);
  let lowest = alignUp(reserveEnd, FRAME_SIZE);
  if (lowest < LOW_MEMORY_END) lowest = LOW_MEMORY_END;
  const bitmapEnd = alignUp(bitmap + (words << 3), FRAME_SIZE);
  nfree = 0;
  for (let e = memmap_first(info); e != 0; e = memmap_next(info, e)) {
    if (memmap_type(e) != MMAP_AVAILABLE || !memmap_low(e)) continue;
    const base = memmap_base(e);
    if (base + FRAME_SIZE - 1 < base) continue; // a region starting in the last frame
    let first = <u32>(alignUp(base, FRAME_SIZE) >> FRAME_SHIFT);
    const last = <u32>(memmap_end(e) >> FRAME_SHIFT); // exclusive
    const lo = <u32>(lowest >> FRAME_SHIFT);
    if (first < lo) first = lo;
    const stop = last < nframes ? last : nframes;
    // The region less the bitmap's own frames: up to two runs.
    const holeLo = <u32>(alignDownFrame(bitmap) >> FRAME_SHIFT), holeHi = <u32>(bitmapEnd >> FRAME_SHIFT);
    freeRun(first, stop < holeLo ? stop : holeLo);
    freeRun(first > holeHi ? first : holeHi, stop);
  }
  total = nfree;
  hint = 0;
  return true;
}

@inline function alignDownFrame(a: usize): usize { return a & ~(FRAME_SIZE - 1); }

/** The bits of frames [from, to) within bitmap word w (from < to). */
@inline function runMask(w: u32, from: u32, to: u32): u32 {
  const lo = w << 5 > from ? 0 : from & 31;
  const hi = (w << 5) + 32 <= to ? 32 : to & 31;
  return (hi == 32 ? 0xffffffff : (<u32>1 << hi) - 1) & ~((<u32>1 << lo) - 1);
}

/**
 * Frees frames [from, to) (nothing when from >= to), a bitmap word at a time; frames already
 * free (overlapping map regions) are counted once.
 */
function freeRun(from: u32, to: u32): void {
  if (from >= to) return;
  for (let w = from >> 5; w <= (to - 1) >> 5; w++) {
    const mask = runMask(w, from, to);
    const at: usize = <usize>w << 2;
    const used = load<u32>(bitmap + at);
    nfree += <u32>popcnt(used & mask);
    store<u32>(bitmap + at, used & ~mask);
    store<u32>(managed + at, load<u32>(managed + at) | mask);
  }
}

/** Takes a free frame: returns its physical address, or 0 when none is left. Not zeroed. */
export function frame_alloc(): usize {
  if (nfree == 0) return 0;
  const words = (nframes + 31) >> 5;
  for (let n: u32 = 0; n < words; n++) {
    const w = (hint + n) % words;
    const bits = load<u32>(bitmap + (w << 2));
    if (bits == 0xffffffff) continue;
    const f = (w << 5) + <u32>ctz(~bits);
    if (f >= nframes) continue;
    setUsed(f);
    nfree--;
    hint = w;
    return <usize>f << FRAME_SHIFT;
  }
  return 0;
}

/**
 * Gives back the frame at physical address `pa`. Returns false, changing nothing, for an address
 * that is not frame-aligned, not one of this allocator's frames (low memory, the image, a hole in
 * the map), or not currently allocated (a double free).
 */
export function frame_free(pa: usize): bool {
  if ((pa & (FRAME_SIZE - 1)) != 0 || bitmap == 0) return false;
  const f = <u32>(pa >> FRAME_SHIFT);
  if (f >= nframes || !isManaged(f) || !isUsed(f)) return false;
  setFree(f);
  nfree++;
  return true;
}

/** Free frames now. */
export function frames_free(): u32 { return nfree; }
/** Frames frames_init found free: the most there can be. */
export function frames_total(): u32 { return total; }

/**
 * Counts inconsistencies (0 when healthy): a free frame this allocator does not manage, and the
 * bitmap's free frames against the running count.
 */
export function frames_check(): i32 {
  if (bitmap == 0 || nframes == 0) return 0;
  let bad: i32 = 0;
  let free: u32 = 0;
  for (let w: u32 = 0; w <= (nframes - 1) >> 5; w++) { // a word at a time: frames outside [0, nframes) stay used
    const at: usize = <usize>w << 2;
    const freeBits = ~load<u32>(bitmap + at) & runMask(w, 0, nframes);
    free += <u32>popcnt(freeBits);
    bad += <i32>popcnt(freeBits & ~load<u32>(managed + at));
  }
  return bad + (free == nfree ? 0 : 1);
}
