// memmap: the Multiboot v1 memory map (the BIOS's E820 list as the boot loader passed it).
// Units: bytes; addresses are u32 — entries above 4 GiB are not ours and are skipped.
//
//   info block:  +0 flags (bit 6: the map is valid)   +44 mmap_length   +48 mmap_addr
//   entry:       +0 size (of the rest: 20)  +4 base (low, high)  +12 length (low, high)  +20 type

export const MB_FLAG_MMAP: u32 = 0x40;
export const MMAP_AVAILABLE: u32 = 1;

/** The first entry of the map at `info`, or 0 when it has none. */
export function memmap_first(info: usize): usize {
  return (load<u32>(info) & MB_FLAG_MMAP) == 0 || load<u32>(info, 44) == 0 ? 0 : load<u32>(info, 48);
}

/** The entry after `e`, or 0 after the last. */
export function memmap_next(info: usize, e: usize): usize {
  const next = e + load<u32>(e) + 4;
  return next < load<u32>(info, 48) + load<u32>(info, 44) ? next : 0;
}

/** Whether entry `e` starts below 4 GiB (its length's high word is ignored: memmap_end clamps). */
@inline export function memmap_low(e: usize): bool { return load<u32>(e, 8) == 0; }
@inline export function memmap_base(e: usize): usize { return load<u32>(e, 4); }
@inline export function memmap_length(e: usize): usize { return load<u32>(e, 12); }
@inline export function memmap_type(e: usize): u32 { return load<u32>(e, 20); }

/** The end of entry `e`'s region, 0xFFFFF000 when it reaches past 4 GiB. */
export function memmap_end(e: usize): usize {
  const base = memmap_base(e), end = base + memmap_length(e);
  return end < base ? 0xfffff000 : end;
}

/** The end of the highest available region below 4 GiB (0 without a map): the top of RAM. */
export function memmap_top(info: usize): usize {
  let top: usize = 0;
  for (let e = memmap_first(info); e != 0; e = memmap_next(info, e)) {
    if (memmap_type(e) == MMAP_AVAILABLE && memmap_low(e) && memmap_end(e) > top) top = memmap_end(e);
  }
  return top;
}
