// The kernel's entry point: the boot sequence of issue C, each stage logged on COM1 with its
// figures — memory map → balloc → frames → paging on → palloc pool → (TLSF heap: not yet) →
// self-test. Units: bytes and 4 KiB pages.
//
// On the host runners there is no MMU: image_layout() reports an empty read-only part, paging
// only sets CR0/CR3 as plain state, and the palloc pool is placed at its frames' own addresses.

import { boot_info, image_end, image_layout, read_cr3, exit } from "./arch";
import { puts, putu, puthex } from "./dev/serial";
import { binit, balloc, bstats_used } from "./mm/balloc";
import { frames_init, frame_alloc, frame_free, frames_free, frames_total, frames_check } from "./mm/frames";
import { paging_init, paging_set_allocator, paging_enable, map, map_range, translate, PAGE, PTE_WRITE, UNMAPPED } from "./mm/paging";
import { pinit, palloc, palloc_ali, pfree, pcheck, pstats_free } from "./mm/palloc";

const ARENA_SIZE: usize = 1 << 20;      // balloc's arena, right after the image
const POOL_VA: usize = 0xc0000000;      // where the palloc pool lives once paging is on
const POOL_PAGES: u32 = 256;            // 1 MiB
const MB_MMAP: u32 = 0x40;

let mappedPages: u32 = 0;
let passed: u32 = 0;
let failed: u32 = 0;

function ballocPage(): usize { return balloc(PAGE, PAGE); }

/** Prints the Multiboot memory map; returns the end of the highest available region. */
function showMemoryMap(info: usize): usize {
  puts("memory map:\n");
  if ((load<u32>(info) & MB_MMAP) == 0) { puts("  (none)\n"); return 0; }
  let top: usize = 0;
  const end = load<u32>(info, 48) + load<u32>(info, 44);
  for (let e = load<u32>(info, 48); e < end; e += load<u32>(e) + 4) {
    const base = load<u32>(e, 4), len = load<u32>(e, 12), type = load<u32>(e, 20);
    if (load<u32>(e, 8) != 0) continue; // above 4 GiB
    puts("  "); puthex(base); puts(" - "); puthex(base + len - 1); puts(type == 1 ? "  available\n" : "  reserved\n");
    if (type == 1 && base + len > top) top = base + len;
  }
  return top;
}

/** Identity-maps [from, to) with `flags`, counting the pages. */
function identity(from: usize, to: usize, flags: u32): bool {
  for (let a = from; a < to; a += PAGE) {
    if (!map(a, a, flags)) return false;
    mappedPages++;
  }
  return true;
}

function check(ok: bool, what: string): void {
  if (ok) { passed++; return; }
  failed++;
  puts("selftest: FAILED "); puts(what); puts("\n");
}

export function kmain(): void {
  puts("kernel-ts: booting\n");
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
  const hasMmu = roEnd > roStart; // the host runners report no read-only image: no MMU there
  if (!paging_init(ballocPage)) { puts("paging: no page for the directory\n"); exit(1); }
  const ok = identity(PAGE, roStart, PTE_WRITE) && identity(roStart, roEnd, 0) && identity(roEnd, top, PTE_WRITE);
  if (!ok) { puts("paging: out of page tables\n"); exit(1); }
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
  puts("tlsf: not yet\n");

  // Self-test of the allocators that exist so far.
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
  check(balloc(16, 16) != 0, "balloc still serves before the heaps take over");
  puts("selftest: "); putu(passed); puts(" passed, "); putu(failed); puts(" failed\n");
  exit(failed == 0 ? 0 : 1);
}
