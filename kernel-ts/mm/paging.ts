// paging: two-level x86 page tables (4 KiB pages, no PAE), built by the kernel and switched on
// through the emulated CPU's MMU. Units: bytes; virtual and physical addresses are u32.
//
// Linear address split and entry format:
//
//    31          22 21          12 11            0
//   ┌──────────────┬──────────────┬───────────────┐
//   │ PD index     │ PT index     │ page offset   │
//   └──────────────┴──────────────┴───────────────┘
//
//   PDE/PTE:  31 ........ 12 | 11..9 | 8 G | 7 PS | 6 D | 5 A | 4 PCD | 3 PWT | 2 U | 1 W | 0 P
//             frame address    avail
//
// The directory and the tables come from a page allocator the kernel installs (balloc's before
// frames exist, frames' afterwards); every page they take is zeroed. Every change to a present
// entry is followed by invlpg. Nothing here assumes paging is on: the tables are written through
// their physical addresses, so the kernel identity-maps the memory that holds them.
//
// Costs: map/unmap/translate O(1); one 4 KiB table per 4 MiB of mapped space plus the directory.
// Drawbacks: no large pages, no freeing of emptied tables, no recursive mapping of the tables.

import { read_cr0, write_cr0, write_cr3, invlpg } from "../arch";

export const PAGE: usize = 4096;
export const PTE_PRESENT: u32 = 0x001;
export const PTE_WRITE: u32 = 0x002;
export const PTE_USER: u32 = 0x004;
const PTE_FLAGS: u32 = 0xfff;
const CR0_WP: u32 = 1 << 16;   // supervisor writes honour read-only pages
const CR0_PG: u32 = 1 << 31;
/** What translate() returns for an unmapped address. */
export const UNMAPPED: usize = 0xffffffff;

let directory: usize = 0;
let allocPage: () => usize = noAllocator;
let enabled = false;

function noAllocator(): usize { return 0; }

@inline function pdIndex(va: usize): usize { return va >> 22; }
@inline function ptIndex(va: usize): usize { return (va >> 12) & 0x3ff; }
@inline function entryAddr(e: u32): usize { return e & ~PTE_FLAGS; }
@inline function isPresent(e: u32): bool { return (e & PTE_PRESENT) != 0; }

/** Installs the allocator page tables come from (must return zero or a 4 KiB-aligned page). */
export function paging_set_allocator(alloc: () => usize): void {
  allocPage = alloc;
}

/** A fresh zeroed page from the installed allocator, or 0. */
function zeroedPage(): usize {
  const p = allocPage();
  if (p == 0 || (p & (PAGE - 1)) != 0) return 0;
  memory.fill(p, 0, PAGE);
  return p;
}

/** Creates an empty page directory. Returns false when the allocator has no page. */
export function paging_init(alloc: () => usize): bool {
  paging_set_allocator(alloc);
  directory = zeroedPage();
  enabled = false;
  return directory != 0;
}

/** The page directory's physical address (what CR3 holds once paging is on), 0 before init. */
export function paging_directory(): usize { return directory; }

/** The page table covering `va`, made (zeroed, its PDE written) if missing; 0 when no page is left for it. */
function tableFor(va: usize): usize {
  const pde = directory + (pdIndex(va) << 2);
  const e = load<u32>(pde);
  if (isPresent(e)) return entryAddr(e);
  const table = zeroedPage();
  if (table != 0) store<u32>(pde, table | PTE_PRESENT | PTE_WRITE | PTE_USER); // access is decided per page
  return table;
}

/**
 * Maps the page at `va` to the frame at `pa` with `flags` (PTE_WRITE, PTE_USER; PTE_PRESENT is
 * implied). Both addresses must be page-aligned. Returns false, changing nothing, when they are
 * not, when `va` is already mapped (unmap it first), or when a page table cannot be allocated.
 */
export function map(va: usize, pa: usize, flags: u32): bool {
  if (directory == 0 || ((va | pa) & (PAGE - 1)) != 0) return false;
  const table = tableFor(va);
  if (table == 0) return false;
  const pte = table + (ptIndex(va) << 2);
  if (isPresent(load<u32>(pte))) return false;
  store<u32>(pte, pa | (flags & (PTE_WRITE | PTE_USER)) | PTE_PRESENT);
  if (enabled) invlpg(va);
  return true;
}

/**
 * Maps `bytes` (rounded up to pages) from `va` to `pa`, a page table at a time. Returns false at
 * the first page that map() would refuse (the pages before it stay mapped).
 */
export function map_range(va: usize, pa: usize, bytes: usize, flags: u32): bool {
  if (directory == 0 || ((va | pa) & (PAGE - 1)) != 0) return false;
  const bits = (flags & (PTE_WRITE | PTE_USER)) | PTE_PRESENT;
  let pages = <u32>((bytes + PAGE - 1) >> 12);
  while (pages > 0) {
    const table = tableFor(va);
    if (table == 0) return false;
    // The pages of this table: up to its end or the range's.
    const first = ptIndex(va);
    const n = pages < 1024 - first ? pages : 1024 - first;
    // A tight loop over the entries (the boot's identity map writes 16,383 of them), then the
    // TLB: invlpg for the pages written, even when stopping early.
    const from = table + (first << 2), end = from + (n << 2);
    let pte = from, e = pa | bits;
    while (pte < end && !isPresent(load<u32>(pte))) {
      store<u32>(pte, e);
      e += PAGE;
      pte += 4;
    }
    if (enabled) for (let p = from, v = va; p < pte; p += 4, v += PAGE) invlpg(v);
    if (pte < end) return false;
    pages -= n;
    if (pages == 0 || va + (n << 12) < va) break; // done, or the end of the address space
    va += n << 12;
    pa += n << 12;
  }
  return true;
}

/** Removes the mapping of the page at `va`. Returns false when it was not mapped. */
export function unmap(va: usize): bool {
  const pte = pteOf(va);
  if (pte == 0 || !isPresent(load<u32>(pte))) return false;
  store<u32>(pte, 0);
  if (enabled) invlpg(va);
  return true;
}

/** The physical address `va` maps to (with its page offset), or UNMAPPED. */
export function translate(va: usize): usize {
  const pte = pteOf(va);
  if (pte == 0) return UNMAPPED;
  const e = load<u32>(pte);
  return isPresent(e) ? entryAddr(e) | (va & (PAGE - 1)) : UNMAPPED;
}

/** The flags of `va`'s page (PTE_PRESENT, PTE_WRITE, PTE_USER), 0 when unmapped. */
export function page_flags(va: usize): u32 {
  const pte = pteOf(va);
  return pte == 0 ? 0 : load<u32>(pte) & (PTE_PRESENT | PTE_WRITE | PTE_USER);
}

/** The address of `va`'s page-table entry, 0 when its table does not exist. */
function pteOf(va: usize): usize {
  if (directory == 0) return 0;
  const pde = load<u32>(directory + (pdIndex(va) << 2));
  if (!isPresent(pde)) return 0;
  return entryAddr(pde) + (ptIndex(va) << 2);
}

/** Switches paging on: CR3 := the directory, then CR0.PG and CR0.WP (read-only pages hold for the kernel too). */
export function paging_enable(): void {
  write_cr3(<u32>directory);
  write_cr0(read_cr0() | CR0_PG | CR0_WP);
  enabled = true;
}

/** True once paging_enable ran. */
export function paging_enabled(): bool { return enabled; }
