// emulator/heapmap.ts on a fabricated guest memory: page tables, a descriptor, TLSF pools and a
// palloc pool laid out as the kernel lays them out; then torn and hostile memory, which must end a
// walk early (complete: false) and never throw. The walk of the real kernel's heaps is tested in
// tests/shell/shell.test.ts against the `heap` command's figures.
import { describe, it, expect, beforeEach } from "vitest";
import { readHeapMap, HEAPMAP_LAYOUT, HEAPMAP_MAGIC, HEAPMAP_VERSION, type PhysReader } from "../../emulator/heapmap.ts";

const RAM = 1 << 20;
const INFO = 0x100, POOLS = 0x200, PD = 0x1000, PT_TLSF = 0x2000, PT_PALLOC = 0x3000;
const TLSF_VA = 0xd0000000, TLSF_PA = 0x10000; // 8 pages mapped, the ninth not
const PALLOC_VA = 0xc0000000, PALLOC_PA = 0x20000;

let mem: Uint8Array;
let dv: DataView;
const read: PhysReader = (a, n) => { if (a + n > RAM) throw new RangeError("outside RAM"); return mem.slice(a, a + n); };
const w32 = (pa: number, v: number) => dv.setUint32(pa, v >>> 0, true);
const va2pa = (va: number) => (va >= PALLOC_VA && va < PALLOC_VA + 0x10000 ? PALLOC_PA + va - PALLOC_VA : TLSF_PA + va - TLSF_VA);
const wv = (va: number, v: number) => w32(va2pa(va), v);

/** A TLSF header at `b`: previous block, payload size, free flag. */
const tlsfBlock = (b: number, prev: number, payload: number, free: boolean) => { wv(b, prev); wv(b + 4, payload | (free ? 1 : 0)); };
/** A palloc header at `b`: size with header, used flag, size of the block before. */
const pallocBlock = (b: number, size: number, used: boolean, before: number) => { wv(b, size | (used ? 1 : 0)); wv(b + 4, before); };

beforeEach(() => {
  mem = new Uint8Array(RAM);
  dv = new DataView(mem.buffer);
  w32(PD + (TLSF_VA >>> 22) * 4, PT_TLSF | 3);
  w32(PD + (PALLOC_VA >>> 22) * 4, PT_PALLOC | 3);
  for (let i = 0; i < 8; i++) w32(PT_TLSF + i * 4, (TLSF_PA + i * 4096) | 3);
  for (let i = 0; i < 16; i++) w32(PT_PALLOC + i * 4, (PALLOC_PA + i * 4096) | 3);
  const f = HEAPMAP_LAYOUT;
  w32(INFO + f.magic, HEAPMAP_MAGIC); w32(INFO + f.version, HEAPMAP_VERSION); w32(INFO + f.pageDirectory, PD);
  w32(INFO + f.tlsfPools, POOLS); w32(INFO + f.tlsfPoolCount, 16);
  w32(INFO + f.tlsfStart, TLSF_VA); w32(INFO + f.tlsfLimit, 0xe0000000);
  w32(INFO + f.pallocFirst, PALLOC_VA + 0x100); w32(INFO + f.pallocEnd, PALLOC_VA + 0x100 + 0x300);
  // TLSF: one pool [T, T+0x200): used 0x38 payload, free 0x100, used 0xb8, then the sentinel.
  const T = TLSF_VA;
  tlsfBlock(T, 0, 0x38, false); tlsfBlock(T + 0x40, T, 0x100, true); tlsfBlock(T + 0x148, T + 0x40, 0xb0, false);
  tlsfBlock(T + 0x200, T + 0x148, 0, false);
  w32(POOLS, T); w32(POOLS + 4, T + 0x200);
  // palloc: [P, P+0x300): used 0x100, free 0x180, used 0x80, then the end tag.
  const P = PALLOC_VA + 0x100;
  pallocBlock(P, 0x100, true, 0); pallocBlock(P + 0x100, 0x180, false, 0x100); pallocBlock(P + 0x280, 0x80, true, 0x180);
  pallocBlock(P + 0x300, 0, true, 0);
});

describe("readHeapMap", () => {
  it("walks the TLSF pools and the palloc pool through the page tables", () => {
    const map = readHeapMap(read, INFO)!;
    expect(map.tlsf).toMatchObject({ start: TLSF_VA, end: TLSF_VA + 0x208, limit: 0xe0000000, complete: true,
      usedBytes: 0x40 + 0xb8, freeBytes: 0x108, usedBlocks: 2, freeBlocks: 1 });
    expect(map.tlsf.blocks).toEqual([
      { addr: TLSF_VA, size: 0x40, used: true }, { addr: TLSF_VA + 0x40, size: 0x108, used: false },
      { addr: TLSF_VA + 0x148, size: 0xb8, used: true }]);
    expect(map.palloc).toMatchObject({ complete: true, usedBytes: 0x180, freeBytes: 0x180, usedBlocks: 2, freeBlocks: 1 });
    expect(map.palloc.blocks.map((b) => b.size)).toEqual([0x100, 0x180, 0x80]);
  });

  it("walks separate TLSF pools in address order, whatever their order in the table", () => {
    const lo = TLSF_VA + 0x1000;
    tlsfBlock(lo, 0, 0x18, true); tlsfBlock(lo + 0x20, lo, 0, false);
    w32(POOLS + 8, 0); w32(POOLS + 12, 0); // an unused entry between them
    w32(POOLS + 16, lo); w32(POOLS + 20, lo + 0x20);
    const map = readHeapMap(read, INFO)!;
    expect(map.tlsf.complete).toBe(true);
    expect(map.tlsf.blocks.map((b) => b.addr)).toEqual([TLSF_VA, TLSF_VA + 0x40, TLSF_VA + 0x148, lo]);
    expect(map.tlsf.end).toBe(lo + 0x28);
  });

  it("is undefined without the descriptor: wrong magic, wrong version, or outside RAM", () => {
    expect(readHeapMap(read, INFO + 4)).toBeUndefined();
    w32(INFO + HEAPMAP_LAYOUT.version, 2);
    expect(readHeapMap(read, INFO)).toBeUndefined();
    expect(readHeapMap(read, RAM - 2)).toBeUndefined();
  });

  it("stops at a torn header: a previous-block link that disagrees (TLSF), a size-before that disagrees (palloc)", () => {
    wv(TLSF_VA + 0x148, TLSF_VA + 0x48);
    wv(PALLOC_VA + 0x100 + 0x280 + 4, 0x170);
    const map = readHeapMap(read, INFO)!;
    expect(map.tlsf.complete).toBe(false);
    expect(map.tlsf.blocks).toHaveLength(2);
    expect(map.palloc.complete).toBe(false);
    expect(map.palloc.blocks).toHaveLength(2);
  });

  it("stops at sizes that run past the end or make no progress, and at an unmapped header", () => {
    wv(TLSF_VA + 0x44, 0x10000); // the free block claims to run past its pool's sentinel
    wv(PALLOC_VA + 0x100, 1); // palloc: size 0, used: would loop forever
    let map = readHeapMap(read, INFO)!;
    expect([map.tlsf.complete, map.tlsf.blocks.length, map.palloc.complete, map.palloc.blocks.length]).toEqual([false, 1, false, 0]);
    wv(TLSF_VA + 0x44, 0x100 | 1); // mended
    const far = TLSF_VA + 0x9000; // page 9 is not mapped
    w32(POOLS + 8, far); w32(POOLS + 12, far + 0x100);
    map = readHeapMap(read, INFO)!;
    expect(map.tlsf.blocks).toHaveLength(3);
    expect(map.tlsf.complete).toBe(false);
  });

  it("never throws, whatever the memory holds", () => {
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 64; i++) w32((rnd() % (RAM / 4)) * 4, rnd());
      expect(() => readHeapMap(read, INFO)).not.toThrow();
    }
  });
});
