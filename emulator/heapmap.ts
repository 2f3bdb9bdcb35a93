// The heap map: the kernel's TLSF heap and palloc pool, block by block, read from guest memory
// by the host while the guest runs (the browser page draws it; tests check it). The kernel
// announces a descriptor at boot (kernel-ts/mm/heapmap.ts: its layout, written to HEAPMAP_PORT);
// from there this walks the guest's own page tables and block headers, so it needs nothing else
// from the kernel, and the kernel need not stop. Units: bytes, u32 addresses.
//
// The guest may be in the middle of an allocation when the host reads (v86 runs it in slices),
// so every header is checked before it is believed: a walk that meets a torn, out-of-range or
// unmapped header stops there and says so (complete: false). Nothing here throws on bad memory.

import { HEAPMAP_PORT } from "../toolchain/kbc/opcodes.ts";

export { HEAPMAP_PORT };
export const HEAPMAP_MAGIC = 0x4d48544b; // 'KTHM'
export const HEAPMAP_VERSION = 1;
/** The descriptor's fields: byte offsets (kernel-ts/mm/heapmap.ts writes them). */
export const HEAPMAP_LAYOUT = {
  magic: 0, version: 4, pageDirectory: 8, tlsfPools: 12, tlsfPoolCount: 16,
  tlsfStart: 20, tlsfLimit: 24, pallocFirst: 28, pallocEnd: 32, bytes: 36,
} as const;

/** One block: the virtual address of its header and its size, header included. */
export interface HeapBlock { addr: number; size: number; used: boolean }
export interface HeapView {
  name: "tlsf" | "palloc";
  /** The heap's range: [start, end) holds its blocks now; it may grow up to `limit`. */
  start: number; end: number; limit: number;
  /** The blocks in address order (TLSF: pool by pool, sentinels left out). */
  blocks: HeapBlock[];
  usedBytes: number; freeBytes: number; usedBlocks: number; freeBlocks: number;
  /** False when the walk stopped early at a header it could not trust. */
  complete: boolean;
}
export interface HeapMap { tlsf: HeapView; palloc: HeapView }

/** Reads `len` bytes of guest physical memory at `addr` (throwing or short outside RAM). */
export type PhysReader = (addr: number, len: number) => Uint8Array;

const HEADER = 8;
const FLAGS = 7;
const MAX_BLOCKS = 1 << 20; // a walk never loops forever on a corrupt chain
const UNMAPPED = -1;

/** Virtual-memory reads through the guest's two-level page tables (4 KiB and 4 MiB pages). */
class GuestMemory {
  /** The last page translated (blocks of one page share it): its virtual and physical base. */
  private lastPage = -1;
  private lastBase = UNMAPPED;

  constructor(private read: PhysReader, private directory: number) {}

  phys32(addr: number): number {
    try {
      const b = this.read(addr >>> 0, 4);
      return b.length === 4 ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : 0;
    } catch { return 0; }
  }

  /** The physical address of `va`, or UNMAPPED. */
  translate(va: number): number {
    const page = va >>> 12;
    if (page !== this.lastPage) { this.lastPage = page; this.lastBase = this.walk(page << 12 >>> 0); }
    return this.lastBase === UNMAPPED ? UNMAPPED : (this.lastBase | (va & 0xfff)) >>> 0;
  }

  /** The page tables' answer for the page at `va`: its frame, or UNMAPPED. */
  private walk(va: number): number {
    const pde = this.phys32(this.directory + (va >>> 22) * 4);
    if ((pde & 1) === 0) return UNMAPPED;
    if (pde & 0x80) return ((pde & 0xffc00000) | (va & 0x3fffff)) >>> 0;
    const pte = this.phys32((pde & 0xfffff000) + ((va >>> 12) & 0x3ff) * 4);
    if ((pte & 1) === 0) return UNMAPPED;
    return ((pte & 0xfffff000) | (va & 0xfff)) >>> 0;
  }

  /** The two header words at `va` (8-aligned, so on one page), or undefined when unmapped. */
  header(va: number): [number, number] | undefined {
    const pa = this.translate(va);
    if (pa === UNMAPPED) return undefined;
    return [this.phys32(pa), this.phys32(pa + 4)];
  }
}

/**
 * The heap map of the kernel whose descriptor is at physical address `info`, or undefined when
 * there is no valid descriptor there (wrong magic or version: not booted yet, or rebooted).
 */
export function readHeapMap(read: PhysReader, info: number): HeapMap | undefined {
  const raw = new GuestMemory(read, 0);
  const f = (k: keyof typeof HEAPMAP_LAYOUT) => raw.phys32(info + HEAPMAP_LAYOUT[k]);
  if (f("magic") !== HEAPMAP_MAGIC || f("version") !== HEAPMAP_VERSION) return undefined;
  const mem = new GuestMemory(read, f("pageDirectory") & 0xfffff000);
  const pools: [number, number][] = [];
  const table = f("tlsfPools"), count = Math.min(f("tlsfPoolCount"), 64);
  for (let i = 0; i < count; i++) {
    const lo = raw.phys32(table + i * 8), end = raw.phys32(table + i * 8 + 4);
    if (lo !== 0 || end !== 0) pools.push([lo, end]);
  }
  pools.sort((a, b) => a[0] - b[0]);
  return {
    tlsf: walkTlsf(mem, pools, f("tlsfStart"), f("tlsfLimit")),
    palloc: walkPalloc(mem, f("pallocFirst"), f("pallocEnd")),
  };
}

function emptyView(name: HeapView["name"], start: number, end: number, limit: number): HeapView {
  return { name, start, end, limit, blocks: [], usedBytes: 0, freeBytes: 0, usedBlocks: 0, freeBlocks: 0, complete: true };
}

function add(view: HeapView, addr: number, size: number, used: boolean): void {
  view.blocks.push({ addr, size, used });
  if (used) { view.usedBytes += size; view.usedBlocks++; } else { view.freeBytes += size; view.freeBlocks++; }
}

/**
 * TLSF (kernel-ts/mm/tlsf-block.ts): header = previous block | code, payload size | code | free;
 * blocks follow each other from a pool's first block up to its sentinel (used, size 0).
 */
function walkTlsf(mem: GuestMemory, pools: [number, number][], start: number, limit: number): HeapView {
  const end = pools.reduce((e, [, s]) => Math.max(e, s + HEADER), start);
  const view = emptyView("tlsf", start, end, Math.max(limit, end));
  for (const [lo, sentinel] of pools) {
    let b = lo, prev = 0;
    while (b < sentinel && view.blocks.length < MAX_BLOCKS) {
      const h = mem.header(b);
      if (!h || ((h[0] & ~FLAGS) >>> 0) !== prev) { view.complete = false; break; }
      const size = HEADER + ((h[1] & ~FLAGS) >>> 0);
      if (size === HEADER || b + size > sentinel) { view.complete = false; break; }
      add(view, b, size, (h[1] & 1) === 0);
      prev = b;
      b += size;
    }
    if (b !== sentinel) view.complete = false;
  }
  return view;
}

/**
 * palloc (kernel-ts/mm/palloc.ts): header = block size (header included) | used, size of the block
 * before; blocks tile [first, end tag).
 */
function walkPalloc(mem: GuestMemory, first: number, sentinel: number): HeapView {
  const view = emptyView("palloc", first, sentinel + HEADER, sentinel + HEADER);
  if (first === 0) return view;
  let b = first, prevSize = 0;
  while (b < sentinel && view.blocks.length < MAX_BLOCKS) {
    const h = mem.header(b);
    const size = h ? (h[0] & ~FLAGS) >>> 0 : 0;
    if (!h || h[1] !== prevSize || size < 2 * HEADER || b + size > sentinel) { view.complete = false; break; }
    add(view, b, size, (h[0] & 1) === 1);
    prevSize = size;
    b += size;
  }
  if (b !== sentinel) view.complete = false;
  return view;
}
