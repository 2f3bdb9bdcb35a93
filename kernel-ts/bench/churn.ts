// The churn trace of ../shared/bench/churn.md, once, for every allocator: a deterministic mix of
// allocations (16 B to 64 KiB, sometimes aligned to 16..512) and frees over 1024 slots, with
// figures for fragmentation (peak heap span / peak live bytes). Units: bytes. The allocator comes
// in as function references, so every allocator pays the same indirect-call cost.

const SLOTS: i32 = 1024; // the most slots a trace can use
const slots = memory.data(SLOTS * 4); // the live pointers
const sizes = memory.data(SLOTS * 4); // their requested sizes

let slotCount: u32 = <u32>SLOTS; // the standard trace: 1024 slots, requests up to 64 KiB
let maxSize: usize = 65536;
let rs: u32 = 1;
let fails: u32 = 0;
let live: usize = 0;
let peakLive: usize = 0;
let lowest: usize = 0;
let highest: usize = 0;
let peakSpan: usize = 0;

@inline function rnd(): u32 {
  let x = rs;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  rs = x;
  return x;
}

/**
 * Shapes later runs for a small pool: `slotsUsed` slots (1..1024) and requests cut to `max` bytes
 * (16..65536). The standard trace is churn_shape(1024, 65536); the TLSF pool-size sweep shrinks it.
 */
export function churn_shape(slotsUsed: u32, max: usize): void {
  slotCount = slotsUsed < 1 ? 1 : slotsUsed > <u32>SLOTS ? <u32>SLOTS : slotsUsed;
  maxSize = max < 16 ? 16 : max > 65536 ? 65536 : max;
}

@inline function slot(s: u32): usize { return slots + (<usize>s << 2); }
@inline function sizeOf(s: u32): usize { return sizes + (<usize>s << 2); }

/**
 * Runs `steps` trace steps from `seed`, then frees what is left; returns the failed allocations.
 * With `loopOnly` the allocator is never called and every allocation gets `fake` (a writable
 * address with 64 KiB behind it): the cost of the trace loop itself.
 */
export function churnRun(seed: u32, steps: i32, alloc: (size: usize, align: usize) => usize,
  free: (ptr: usize) => bool, loopOnly: bool, fake: usize): u32 {
  memory.fill(slots, 0, SLOTS * 4);
  rs = seed;
  fails = 0;
  live = peakLive = 0;
  lowest = <usize>-1;
  highest = peakSpan = 0;
  for (let i = 0; i < steps; i++) {
    const s = rnd() % slotCount;
    const held = load<usize>(slot(s));
    if (held != 0) {
      if (!loopOnly) free(held);
      live -= load<usize>(sizeOf(s));
      store<usize>(slot(s), 0);
      continue;
    }
    const r = rnd() % 100;
    let size: usize = r < 70 ? 16 + rnd() % 113 : r < 95 ? 129 + rnd() % 3968 : 4097 + rnd() % 61440;
    if (size > maxSize) size = maxSize;
    let align: usize = 8;
    if (rnd() % 8 == 0) align = <usize>1 << (3 + rnd() % 7);
    const p = loopOnly ? fake : alloc(size, align);
    if (p == 0) { fails++; continue; }
    store<u8>(p, 1);
    store<u8>(p + size - 1, 2);
    store<usize>(slot(s), p);
    store<usize>(sizeOf(s), size);
    live += size;
    if (live > peakLive) peakLive = live;
    if (p < lowest) lowest = p;
    if (p + size > highest) highest = p + size;
    if (highest - lowest > peakSpan) peakSpan = highest - lowest;
  }
  for (let s: u32 = 0; s < <u32>SLOTS; s++) {
    const held = load<usize>(slot(s));
    if (held != 0 && !loopOnly) free(held);
  }
  return fails;
}

/** Failed allocations of the last run. */
export function churn_failed(): u32 { return fails; }
/** The peak of live requested bytes in the last run. */
export function churn_peak_live(): usize { return peakLive; }
/** The peak heap span (highest block end - lowest block start) in the last run. */
export function churn_peak_span(): usize { return peakSpan; }
