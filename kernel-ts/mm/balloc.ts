// balloc: the bump allocator of early boot, before paging. Units: bytes; addresses are u32.
//
// One arena [base, end) and one pointer, `top`, that only moves up. An allocation rounds `top` up
// to the requested alignment, hands out [start, start + size) and moves `top` past it. There is
// no per-block header and no free: breset() moves `top` back to `base`, forgetting every block at
// once. Once the paged heaps (palloc, TLSF) take over, the kernel calls bseal(); a later balloc
// is a panic whose backtrace names the caller's line. See docs/balloc.md.
//
//   base                               top                               end
//   ├───────┬─────┬────────────┬─────────┼──────────────────────────────────┤
//   │ block │ pad │ block      │ ...     │ free                             │
//   └───────┴─────┴────────────┴─────────┴──────────────────────────────────┘
//   └──────────── used = top - base ──────┘└────────── free = end - top ────┘
//
// balloc is a function reference rather than a function: bseal() points it at ballocSealed. An
// indirect call is never inlined, so the panic's backtrace always holds the caller's frame with
// its line. (An @inline function with an assert does not do this: asc and binaryen give the
// inlined assert balloc.ts's own line, in the message and in the caller's frame alike.)

import { alignUp, isPowerOfTwo } from "./align";

let bBase: usize = 0;
let bEnd: usize = 0;
let bTop: usize = 0;
let bHighWater: usize = 0;
let bFailed: u32 = 0;

/**
 * Makes [base, base + size) the arena and forgets any earlier one (blocks, figures, seal).
 * Panics "binit: arena wraps past 4 GiB" unless base + size < 2^32.
 */
export function binit(base: usize, size: usize): void {
  if (base + size < base) abort("binit: arena wraps past 4 GiB");
  bBase = base;
  bEnd = base + size;
  bTop = base;
  bHighWater = 0;
  bFailed = 0;
  balloc = bump;
}

/**
 * balloc(size, align): returns the address of `size` fresh bytes aligned to `align` (a power of
 * two), or 0 when the arena cannot hold them: exhaustion, a size or alignment whose rounding
 * overflows 32 bits, size 0, or an `align` that is not a power of two (each counted in
 * bstats_failed()). Memory is not zeroed. After bseal() it panics
 * "balloc: called after the heaps took over", the caller's line in the backtrace.
 */
export let balloc: (size: usize, align: usize) => usize = bump;

/** What balloc points at until bseal(): the allocation itself. */
function bump(size: usize, align: usize): usize {
  if (size == 0 || !isPowerOfTwo(align)) return failed();
  const start = alignUp(bTop, align);
  // start < bTop: the rounding wrapped past 2^32. Compare sizes, never end addresses, so
  // start + size cannot overflow either.
  if (start < bTop || start > bEnd || size > bEnd - start) return failed();
  bTop = start + size;
  if (bTop - bBase > bHighWater) bHighWater = bTop - bBase;
  return start;
}

/** Counts a request that returned 0. */
function failed(): usize {
  bFailed++;
  return 0;
}

/** Frees every block at once: the next balloc starts again at the base. Keeps the figures. */
export function breset(): void {
  bTop = bBase;
}

/** Ends balloc's life: from now on every balloc panics. binit starts a new life. */
export function bseal(): void {
  balloc = ballocSealed;
}

/** What balloc points at after bseal(): a panic, reported with the caller in the backtrace. */
function ballocSealed(size: usize, align: usize): usize {
  abort("balloc: called after the heaps took over");
  return 0;
}

/** Bytes handed out since binit/breset, alignment padding included. */
export function bstats_used(): usize {
  return bTop - bBase;
}

/** Bytes still free above the top. */
export function bstats_free(): usize {
  return bEnd - bTop;
}

/** The largest bstats_used() seen since binit (survives breset). */
export function bstats_high_water(): usize {
  return bHighWater;
}

/** How many balloc requests returned 0 since binit. */
export function bstats_failed(): u32 {
  return bFailed;
}
