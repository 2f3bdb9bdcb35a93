// heapmap: tells an emulator where the heaps are, so a debugger or the browser page can draw them
// from guest memory without the kernel's help (emulator/heapmap.ts walks them). After boot the
// kernel fills one static descriptor and writes its physical address to HEAPMAP_PORT, a port no
// device uses (a real PC and QEMU ignore the write). Units: bytes; addresses are u32.
//
// Descriptor (version 1; emulator/heapmap.ts reads the same offsets, a test checks they agree):
//    0 magic 'KTHM' (0x4D48544B)        20 tlsf range start (virtual)
//    4 version (1)                      24 tlsf range limit (virtual)
//    8 page directory (physical)        28 palloc first block (virtual)
//   12 tlsf pool table (physical)       32 palloc end tag (virtual)
//   16 tlsf pool table entries
// The pool table lives in the kernel's static data, identity-mapped, so its virtual address is
// its physical one; it changes as the heap grows, so readers take it anew each time.

import { outl } from "../arch";
import { MAX_POOLS, pool_table } from "./tlsf-block";
import { palloc_first_block, palloc_sentinel } from "./palloc";

export const HEAPMAP_PORT: u32 = 0x524;
export const HEAPMAP_MAGIC: u32 = 0x4d48544b;
export const HEAPMAP_VERSION: u32 = 1;
const DESCRIPTOR_BYTES: i32 = 36;
const descriptor = memory.data(DESCRIPTOR_BYTES, 4);

/** Fills the descriptor for the TLSF heap's range [tlsfStart, tlsfLimit) and announces it. */
export function heapmap_publish(pageDirectory: usize, tlsfStart: usize, tlsfLimit: usize): void {
  store<u32>(descriptor, HEAPMAP_MAGIC);
  store<u32>(descriptor, HEAPMAP_VERSION, 4);
  store<u32>(descriptor, pageDirectory, 8);
  store<u32>(descriptor, pool_table(), 12);
  store<u32>(descriptor, MAX_POOLS, 16);
  store<u32>(descriptor, tlsfStart, 20);
  store<u32>(descriptor, tlsfLimit, 24);
  store<u32>(descriptor, palloc_first_block(), 28);
  store<u32>(descriptor, palloc_sentinel(), 32);
  outl(HEAPMAP_PORT, descriptor);
}
