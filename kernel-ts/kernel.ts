// The kernel's memory: the boot sequence of issue C, each stage logged on COM1 with its figures —
// memory map → balloc → frames → paging on → palloc pool → TLSF heap (its pages mapped on first
// touch by the page-fault handler) — the self-test of the allocators, and the figures the shell
// shows. Units: bytes and 4 KiB pages.
//
// On the host runners there is no MMU: image_layout() reports an empty read-only part, paging
// only sets CR0/CR3 as plain state, and the palloc pool is placed at its frames' own addresses.

import { boot_info, image_end, image_layout, read_cr3, exit, fault_handler } from "./arch";
import { puts, putu, puthex } from "./dev/serial";
import { binit, balloc, bstats_used } from "./mm/balloc";
import { frames_init, frame_alloc, frame_free, frames_free, frames_total, frames_check } from "./mm/frames";
import { paging_init, paging_set_allocator, paging_enable, map, map_range, translate, PAGE, PTE_WRITE, UNMAPPED } from "./mm/paging";
import { pinit, palloc, palloc_ali, pfree, pcheck, pstats_free } from "./mm/palloc";
import { tlsf_init, tlsf_add_pool, tlsf_set_grow, tlsf_alloc, tlsf_alloc_ali, tlsf_free, tlsf_check, tlsf_stats_free, tlsf_stats_pools } from "./mm/tlsf";
import { bseal } from "./mm/balloc";
import { memmap_first, memmap_next, memmap_low, memmap_base, memmap_length, memmap_type, memmap_top, MMAP_AVAILABLE } from "./mm/memmap";

const ARENA_SIZE: usize = 1 << 20;      // balloc's arena, right after the image
const POOL_VA: usize = 0xc0000000;      // where the palloc pool lives once paging is on
const POOL_PAGES: u32 = 256;            // 1 MiB
const HEAP_VA: usize = 0xd0000000;      // the TLSF heap's virtual range starts here
const HEAP_PAGES: u32 = 256;            // 1 MiB at boot; the growth hook adds more
const HEAP_LIMIT: usize = 0xe0000000;   // the heap's virtual range ends here (256 MiB)
const FRAME_RESERVE: u32 = 256;         // frames heap growth leaves for page tables and stacks
const GROW_MIN: usize = 256 << 10;      // grow by at least 256 KiB at a time

let mappedPages: u32 = 0;
let hasMmu = false;
let heapEnd: usize = 0;                 // the end of the TLSF heap's range (its pools)
let heapStart: usize = 0;
let demandPages: u32 = 0;               // heap pages mapped by the page-fault handler
let poolBase: usize = 0;
let passed: u32 = 0;
let failed: u32 = 0;

function ballocPage(): usize { return balloc(PAGE, PAGE); }

/**
 * Backs `bytes` (page multiple) at `va` with fresh frames: mapped there under paging; without an
 * MMU (the host runners) the frames themselves must be consecutive from `va`. Returns false
 * (frames already taken stay taken) when memory runs out.
 */
function backWithFrames(va: usize, bytes: usize): bool {
  for (let off: usize = 0; off < bytes; off += PAGE) {
    const f = frame_alloc();
    if (f == 0) return false;
    if (hasMmu ? !map(va + off, f, PTE_WRITE) : f != va + off) return false;
  }
  return true;
}

/**
 * TLSF's growth hook: adds [heapEnd, heapEnd + bytes) as a pool (it merges with the heap). Under
 * paging nothing is mapped here — the page-fault handler maps each page when it is first touched;
 * without an MMU fresh frames back it at once.
 */
function growHeap(minBytes: usize): bool {
  let bytes = (minBytes + 64 + PAGE - 1) & ~(PAGE - 1);
  if (bytes < GROW_MIN) bytes = GROW_MIN;
  if (hasMmu ? bytes > HEAP_LIMIT - heapEnd || !framesCover(bytes) : !backWithFrames(heapEnd, bytes)) return false;
  const from = heapEnd;
  heapEnd += bytes; // first, so that the page faults of tlsf_add_pool's writes are the heap's
  if (!tlsf_add_pool(from, bytes)) { heapEnd = from; return false; }
  return true;
}

/**
 * Whether free frames can back `bytes` more of heap besides the heap pages promised but not yet
 * touched, keeping FRAME_RESERVE for page tables and thread stacks: growth is refused (the
 * allocation returns 0) rather than faulting later with no frame to map.
 */
function framesCover(bytes: usize): bool {
  const promised = <u32>((heapEnd - heapStart) >> 12) - demandPages; // heap pages never touched yet
  return frames_free() >= promised + <u32>(bytes >> 12) + FRAME_RESERVE; // all in pages: no overflow below 4 GiB
}

/**
 * The page-fault handler: a page of the TLSF heap's range touched for the first time gets a fresh
 * frame; any other fault (or no frame left) is refused, which panics.
 */
function onPageFault(cr2: u32, err: u32): bool {
  if ((err & 1) != 0 || cr2 < heapStart || cr2 >= heapEnd) return false;
  const f = frame_alloc();
  if (f == 0 || !map(cr2 & ~(PAGE - 1), f, PTE_WRITE)) return false;
  demandPages++;
  return true;
}

/** Prints the Multiboot memory map; returns the end of the highest available region. */
function showMemoryMap(info: usize): usize {
  puts("memory map:\n");
  if (memmap_first(info) == 0) { puts("  (none)\n"); return 0; }
  for (let e = memmap_first(info); e != 0; e = memmap_next(info, e)) {
    if (!memmap_low(e)) continue; // above 4 GiB
    puts("  "); puthex(memmap_base(e)); puts(" - "); puthex(memmap_base(e) + memmap_length(e) - 1); // the last byte: no clamp
    puts(memmap_type(e) == MMAP_AVAILABLE ? "  available\n" : "  reserved\n");
  }
  return memmap_top(info);
}

/** Identity-maps [from, to) with `flags`, counting the pages. */
function identity(from: usize, to: usize, flags: u32): bool {
  if (to <= from) return true;
  if (!map_range(from, from, to - from, flags)) return false;
  mappedPages += <u32>((to - from) >> 12);
  return true;
}

function check(ok: bool, what: string): void {
  if (ok) { passed++; return; }
  failed++;
  puts("selftest: FAILED "); puts(what); puts("\n");
}

/** Brings memory up, stage by stage; a failed stage prints why and exits 1. */
export function mm_boot(): void {
  const info = boot_info();
  const top = showMemoryMap(info);

  // balloc: the arena right after the image, until the paged heaps exist.
  const arena = image_end();
  binit(arena, ARENA_SIZE);
  puts("balloc: arena "); puthex(arena); puts(" ("); putu(<u32>(ARENA_SIZE >> 10)); puts(" KiB)\n");

  // frames: everything available above the image and the arena.
  if (!frames_init(info, arena + ARENA_SIZE)) { puts("frames: no memory map\n"); exit(1); }
  puts("frames: "); putu(frames_free()); puts(" free of "); putu(frames_total()); puts(" (4 KiB)\n");

  // paging: identity map of RAM (page 0 left unmapped), the image's code and tables read-only.
  const layout = image_layout();
  const roStart = load<u32>(layout), roEnd = load<u32>(layout, 4);
  hasMmu = roEnd > roStart; // the host runners report no read-only image: no MMU there
  if (!paging_init(ballocPage)) { puts("paging: no page for the directory\n"); exit(1); }
  const ok = identity(PAGE, roStart, PTE_WRITE) && identity(roStart, roEnd, 0) && identity(roEnd, top, PTE_WRITE);
  if (!ok) { puts("paging: out of page tables\n"); exit(1); }
  // The VM's compiled code runs from the read-only part and is written through this alias.
  const jitBase = load<u32>(layout, 16), jitEnd = load<u32>(layout, 20), jitAlias = load<u32>(layout, 24);
  if (jitEnd > jitBase && !map_range(jitAlias, jitBase, jitEnd - jitBase, PTE_WRITE)) { puts("paging: cannot map the JIT alias\n"); exit(1); }
  puts("balloc: "); putu(<u32>bstats_used()); puts(" bytes used before paging\n");
  paging_set_allocator(frame_alloc);
  paging_enable();
  puts("paging: on, CR3 "); puthex(read_cr3()); puts(", "); putu(mappedPages); puts(" pages mapped\n");

  // palloc: a 1 MiB pool of frames at POOL_VA (at the frames' own addresses without an MMU).
  let pool: usize = 0;
  if (hasMmu) {
    for (let i: u32 = 0; i < POOL_PAGES; i++) {
      const f = frame_alloc();
      if (f == 0 || !map(POOL_VA + (<usize>i << 12), f, PTE_WRITE)) { puts("palloc: out of frames\n"); exit(1); }
    }
    pool = POOL_VA;
  } else {
    pool = frame_alloc();
    for (let i: u32 = 1; i < POOL_PAGES; i++) frame_alloc(); // frames come in address order at boot
  }
  if (!pinit(pool, <usize>POOL_PAGES << 12)) { puts("palloc: pinit failed\n"); exit(1); }
  puts("palloc: pool "); puthex(pool); puts(", "); putu(<u32>(pstats_free() >> 10)); puts(" KiB free\n");

  // TLSF: 1 MiB at HEAP_VA, its pages mapped by the page-fault handler when first touched,
  // growing up to HEAP_LIMIT (without an MMU: at its frames' own addresses, backed at once).
  const heap = hasMmu ? HEAP_VA : frame_alloc();
  if (!hasMmu && heap != 0) frame_free(heap); // only learning where the next frames start
  const heapBytes = <usize>HEAP_PAGES << 12;
  heapStart = heap;
  heapEnd = heap + heapBytes;
  fault_handler(onPageFault);
  if (heap == 0 || (!hasMmu && !backWithFrames(heap, heapBytes)) || !tlsf_init(heap, heapBytes)) { puts("tlsf: init failed\n"); exit(1); }
  tlsf_set_grow(growHeap);
  bseal(); // the paged heaps have taken over: a later balloc is a panic
  puts("tlsf: heap "); puthex(heap); puts(", "); putu(<u32>(tlsf_stats_free() >> 10)); puts(" KiB free\n");
  poolBase = pool;
}

/** The self-test of every allocator; prints `selftest: N passed, M failed` and returns M. */
export function selftest(): u32 {
  passed = failed = 0;
  const pool = poolBase;
  const a = palloc(100), b = palloc_ali(200, 64), c = palloc(4000);
  check(a != 0 && b != 0 && c != 0, "palloc allocates");
  check((b & 63) == 0, "palloc_ali aligns");
  store<u32>(a, 0x12345678); check(load<u32>(a) == 0x12345678, "palloc memory is writable");
  check(pfree(b) && !pfree(b), "pfree refuses a double free");
  check(!pfree(a + 4), "pfree refuses an interior pointer");
  check(pfree(a) && pfree(c) && pcheck() == 0, "palloc frees and checks clean");
  const f = frame_alloc();
  check(f != 0 && frame_free(f) && !frame_free(f) && frames_check() == 0, "frames allocate and free");
  check(!hasMmu || translate(0) == UNMAPPED, "page 0 is unmapped");
  check(!hasMmu || translate(pool) != UNMAPPED, "the pool is mapped");
  const t1 = tlsf_alloc(64), t2 = tlsf_alloc_ali(1000, 256);
  check(t1 != 0 && t2 != 0 && (t2 & 255) == 0, "tlsf allocates, aligned too");
  check(tlsf_free(t1) && !tlsf_free(t1) && !tlsf_free(t2 + 8), "tlsf refuses double and interior frees");
  const big = tlsf_alloc(3 << 20); // more than the heap holds: the growth hook maps more frames
  check(big != 0 && tlsf_stats_pools() == 1, "the heap grows and stays one pool");
  check(!hasMmu || demandPages > 0, "heap pages are mapped on first touch");
  if (big != 0) { store<u32>(big + (3 << 20) - 4, 0xabcd); check(load<u32>(big + (3 << 20) - 4) == 0xabcd, "grown memory is usable"); }
  check(tlsf_free(t2) && (big == 0 || tlsf_free(big)) && tlsf_check() == 0, "tlsf frees and checks clean");
  puts("selftest: "); putu(passed); puts(" passed, "); putu(failed); puts(" failed\n");
  return failed;
}

/** True under paging in the guest; false on the host runners (no MMU, interrupts or threads). */
export function kernel_has_mmu(): bool { return hasMmu; }
/** The TLSF heap's current range and its limit. */
export function heap_start(): usize { return heapStart; }
export function heap_end(): usize { return heapEnd; }
export function heap_limit(): usize { return hasMmu ? HEAP_LIMIT : heapEnd; }
/** Heap pages the page-fault handler has mapped. */
export function heap_demand_pages(): u32 { return demandPages; }
/** The palloc pool's address. */
export function pool_base(): usize { return poolBase; }
/** Prints the memory map again (the shell's `mem`). */
export function show_memory_map(): void { showMemoryMap(boot_info()); }
