// `kt bench alloc`: the churn trace (./churn.ts) over tlsf and palloc. The host calls the churn_*
// exports under V8 and times them; in the guest, kmain (or allocBench with other figures) runs
// every measurement between markers and prints one line per run for the host to pair with them:
//
//   run N ALLOC SEED POOL SLOTS MAX FAILS PEAK_LIVE PEAK_SPAN
//
// Run N's markers: 4N+1 / 4N+2 around the trace loop alone (the allocator never called),
// 4N+3 / 4N+4 around the same trace with the allocator. Debug junk fills are off throughout.
// Pools start at the first MiB boundary above the image; the sweep skips pools that do not fit
// in memory (the line then says `skip`).

import { boot_info, exit, image_end, image_layout, mark } from "kernel-ts/arch";
import { paging_init, map_range, paging_enable, PAGE, PTE_WRITE } from "../mm/paging";
import { puts, putu } from "kernel-ts/dev/serial";
import { tlsf_init, tlsf_alloc, tlsf_alloc_ali, tlsf_free, tlsf_debug_junk } from "../mm/tlsf";
import { pinit, palloc_ali, pfree, palloc_debug_junk } from "../mm/palloc";
import { memmap_top } from "../mm/memmap";
import { churnRun, churn_shape, churn_failed, churn_peak_live, churn_peak_span } from "./churn";
export { churn_shape, churn_failed, churn_peak_live, churn_peak_span } from "./churn";

/** The standard trace's pool (../shared/bench/churn.md). */
export const STANDARD_POOL: usize = 16 << 20;
const MIB: usize = 1 << 20;

function tlsfAlloc(size: usize, align: usize): usize { return align == 8 ? tlsf_alloc(size) : tlsf_alloc_ali(size, align); }

/** The trace from `seed` over a fresh tlsf heap [base, base + bytes); `loopOnly`: the loop alone. */
export function churn_tlsf(seed: u32, steps: i32, base: usize, bytes: usize, loopOnly: bool): u32 {
  tlsf_debug_junk(false);
  if (!tlsf_init(base, bytes)) abort("churn: tlsf_init failed");
  return churnRun(seed, steps, tlsfAlloc, tlsf_free, loopOnly, base);
}

/**
 * The trace from `seed` over a fresh palloc pool at `base` with `bytes` for blocks (plus its start
 * bitmap and end tag, as TLSF's control structure comes on top); `loopOnly`: the loop alone.
 */
export function churn_palloc(seed: u32, steps: i32, base: usize, bytes: usize, loopOnly: bool): u32 {
  palloc_debug_junk(false);
  if (!pinit(base, bytes + bytes / 64 + 64)) abort("churn: pinit failed");
  return churnRun(seed, steps, palloc_ali, pfree, loopOnly, base);
}

/**
 * The sweep's trace, the same in every pool so that only the pool size changes: 32 slots and
 * requests of at most 1 KiB, so at most 32 KiB are live and it fits the smallest pool (64 KiB).
 */
export const SWEEP_SLOTS: u32 = 32;
export const SWEEP_MAX: usize = 1024;

let runs: u32 = 0;

function measure(tlsf: bool, seed: u32, steps: i32, base: usize, pool: usize, slots: u32, max: usize, top: usize): void {
  const n = runs++;
  puts("run "); putu(n); puts(tlsf ? " tlsf " : " palloc "); putu(seed); puts(" "); putu(pool);
  puts(" "); putu(slots); puts(" "); putu(max);
  if (base + pool + 2 * MIB < base || base + pool + 2 * MIB > top) { puts(" skip\n"); return; }
  churn_shape(slots, max);
  mark(4 * n + 1);
  if (tlsf) churn_tlsf(seed, steps, base, pool, true); else churn_palloc(seed, steps, base, pool, true);
  mark(4 * n + 2);
  mark(4 * n + 3);
  if (tlsf) churn_tlsf(seed, steps, base, pool, false); else churn_palloc(seed, steps, base, pool, false);
  mark(4 * n + 4);
  puts(" "); putu(churn_failed()); puts(" "); putu(churn_peak_live()); puts(" "); putu(churn_peak_span()); puts("\n");
}

/**
 * The guest side: `seeds` seeds from `firstSeed` with `steps` steps each, for tlsf and palloc in
 * the standard 16 MiB pool, then the TLSF pool-size sweep (64 KiB to 256 MiB, one seed,
 * `sweepSteps` steps; none when 0). Exits 0.
 */
export function allocBench(firstSeed: u32, seeds: u32, steps: i32, sweepSteps: i32, paged: bool): void {
  const base = (image_end() + MIB - 1) & ~(MIB - 1);
  let top = memmap_top(boot_info());
  if (paged) top = pagingOn(top);
  for (let i: u32 = 0; i < seeds; i++) measure(true, firstSeed + i, steps, base, STANDARD_POOL, 1024, 65536, top);
  for (let i: u32 = 0; i < seeds; i++) measure(false, firstSeed + i, steps, base, STANDARD_POOL, 1024, 65536, top);
  if (sweepSteps > 0) {
    for (let pool: usize = 64 << 10; pool != 0 && pool <= (256 << 20); pool <<= 2) {
      measure(true, firstSeed, sweepSteps, base, pool, SWEEP_SLOTS, SWEEP_MAX, top);
    }
  }
  puts("done\n");
  exit(0);
}

let tablesEnd: usize = 0;
function tablePage(): usize { tablesEnd -= PAGE; return tablesEnd; }

/**
 * Paging on, as the kernel runs its heaps: memory identity-mapped (page 0 left out), the VM's
 * compiled code written through its alias (image_layout), the page tables taken from the top of
 * memory. Returns the new top.
 */
function pagingOn(top: usize): usize {
  tablesEnd = top & ~(PAGE - 1);
  const layout = image_layout();
  const jitBase = load<u32>(layout, 16), jitEnd = load<u32>(layout, 20), jitAlias = load<u32>(layout, 24);
  if (!paging_init(tablePage) || !map_range(PAGE, PAGE, top - PAGE, PTE_WRITE) ||
      (jitEnd > jitBase && !map_range(jitAlias, jitBase, jitEnd - jitBase, PTE_WRITE))) abort("alloc bench: cannot map memory");
  paging_enable();
  return tablesEnd;
}

/** The standard run: seeds 12345..12354, 200,000 steps each, and the sweep, with paging on. */
export function kmain(): void { allocBench(12345, 10, 200000, 200000, true); }
