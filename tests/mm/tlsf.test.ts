// kernel-ts/mm/tlsf.ts on the host: exact addresses and figures after each step from a fresh
// 64 KiB pool per test, every kind of bad free, pools and their merging, locks and growth, the
// checker against deliberate corruption, a differential fuzz against the shadow model
// (tests/lib/shadow.ts), the smoke program under V8 and the kernel VM, and the churn trace.
import { describe, it, expect, beforeAll, beforeEach } from "vitest";
import { loadKernelWasm, type KernelWasm } from "../lib/kwasm.ts";
import { Shadow, fuzz, type FuzzTarget } from "../lib/shadow.ts";
import { runBoth } from "../lib/harness.ts";

// The pool of every test (docs/tlsf.md): blocks from BASE, then an 8-byte sentinel. The control
// structure is static, so the whole pool but the sentinel is blocks.
const BASE = 0x400000;
const SIZE = 0x10000;
const HEADER = 8;
const SENTINEL = BASE + SIZE - HEADER;
const TOTAL = SENTINEL - BASE; // bytes in blocks, headers included: used + free, always
const FIRST = BASE + HEADER; // the first payload
const WHOLE = TOTAL - HEADER; // the payload of the pool as one block
const ALLOC_JUNK = 0xa5;
const FREE_JUNK = 0xdd;
const FREE = 1; // the size word's free bit
const WALK_OUT = 0x3f0000; // where walk_into writes its records

let k: KernelWasm;
const u = (v: number) => v >>> 0;
const alloc = (size: number) => u(k.fn.tlsf_alloc(size));
const allocAli = (size: number, align: number) => u(k.fn.tlsf_alloc_ali(size, align));
const free = (p: number) => k.fn.tlsf_free(p) === 1;
const realloc = (p: number, size: number) => u(k.fn.tlsf_realloc(p, size));
const blockSize = (p: number) => u(k.fn.tlsf_block_size(p));
const check = () => k.fn.tlsf_check();
const addPool = (mem: number, bytes: number) => k.fn.tlsf_add_pool(mem, bytes) === 1;
const stats = () => ({
  used: u(k.fn.tlsf_stats_used()), free: u(k.fn.tlsf_stats_free()), blocks: u(k.fn.tlsf_stats_blocks()),
  freeBlocks: u(k.fn.tlsf_stats_free_blocks()), failed: u(k.fn.tlsf_stats_failed()), pools: u(k.fn.tlsf_stats_pools()),
});
/** The figures when `used` bytes (headers included) sit in `blocks` used blocks beside `freeBlocks` free ones. */
const fig = (used: number, blocks: number, freeBlocks: number, failed = 0, total = TOTAL, pools = 1) =>
  ({ used, free: total - used, blocks, freeBlocks, failed, pools });
const word = (a: number) => new DataView(k.mem.buffer).getUint32(a, true);
const setWord = (a: number, v: number) => new DataView(k.mem.buffer).setUint32(a, v, true);
/** The blocks of the heap as [payload, size, used] (tlsf_walk). */
const walk = () => {
  const n = k.fn.walk_into(WALK_OUT);
  return Array.from({ length: n }, (_, i) => [word(WALK_OUT + 12 * i), word(WALK_OUT + 12 * i + 4), word(WALK_OUT + 12 * i + 8) === 1]);
};
const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

// The size classes as docs/tlsf.md derives them: 32 lists per power of two, exact below 256.
const SL_LOG2 = 5, ALIGN_LOG2 = 3, SMALL = 1 << (SL_LOG2 + ALIGN_LOG2);
const fls = (x: number) => 31 - Math.clz32(x);
const mappingInsert = (size: number) =>
  size < SMALL ? [0, size >> ALIGN_LOG2] : [fls(size) - SL_LOG2 - ALIGN_LOG2 + 1, (size >>> (fls(size) - SL_LOG2)) ^ (1 << SL_LOG2)];
const mappingSearch = (size: number) => mappingInsert(size >= SMALL ? size + (1 << (fls(size) - SL_LOG2)) - 1 : size);

beforeAll(async () => { k = await loadKernelWasm("tests/mm/tlsf-harness.ts"); });
beforeEach(() => {
  k.fn.tlsf_clear_grow();
  k.fn.tlsf_debug_junk(1);
  expect(k.fn.tlsf_init(BASE, SIZE)).toBe(1);
});

describe("tlsf", () => {
  describe("tlsf_init", () => {
    it("makes the pool one free block before an 8-byte sentinel", () => {
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(word(BASE)).toBe(0); // no block before
      expect(word(BASE + 4)).toBe(WHOLE | FREE);
      expect(word(SENTINEL)).toBe(BASE); // the sentinel points back at the block
      expect(word(SENTINEL + 4)).toBe(0); // size 0, used
      expect(walk()).toEqual([[FIRST, WHOLE, false]]);
      expect(u(k.fn.tlsf_stats_largest_free())).toBe(WHOLE);
      expect(check()).toBe(0);
    });

    it("trims an unaligned range to 8-byte boundaries", () => {
      expect(k.fn.tlsf_init(BASE + 3, SIZE - 6)).toBe(1); // [BASE + 8, BASE + SIZE - 8)
      expect(walk()).toEqual([[BASE + 16, SIZE - 32, false]]);
      expect(alloc(8)).toBe(BASE + 16);
      expect(check()).toBe(0);
    });

    it("returns false for a range too small, wrapping past 4 GiB or over the control structure; the heap is then empty", () => {
      for (const [mem, bytes] of [[BASE, 0], [BASE, 23], [BASE + 1, 24], [0xfffff000, 0x2000], [0x200000, 0x100000]]) {
        expect(k.fn.tlsf_init(mem, bytes)).toBe(0);
        expect(alloc(8)).toBe(0);
        expect(free(mem + 8)).toBe(false);
        expect(check()).toBe(0);
        expect(stats()).toEqual(fig(0, 0, 0, 1, 0, 0));
      }
      expect(k.fn.tlsf_init(BASE, 24)).toBe(1); // one 8-byte block and the sentinel
      expect(alloc(8)).toBe(FIRST);
      expect(alloc(8)).toBe(0);
    });

    it("forgets the previous heap", () => {
      alloc(100);
      expect(k.fn.tlsf_init(BASE, SIZE)).toBe(1);
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(alloc(8)).toBe(FIRST);
    });
  });

  describe("tlsf_alloc", () => {
    it("puts the first block at the start of the pool and splits the rest off", () => {
      expect(alloc(24)).toBe(FIRST);
      expect(stats()).toEqual(fig(32, 1, 1));
      expect(alloc(100)).toBe(FIRST + 32);
      expect(stats()).toEqual(fig(32 + 112, 2, 1));
      expect(word(BASE + 4)).toBe(24); // used, code 0
      expect(word(BASE + 32)).toBe(BASE); // the second block points back at the first
      expect(word(BASE + 144 + 4)).toBe((WHOLE - 144) | FREE); // the rest
      expect(alloc(WHOLE - 144)).toBe(FIRST + 144); // the rest, unsplit
      expect(walk()).toEqual([[FIRST, 24, true], [FIRST + 32, 104, true], [FIRST + 144, WHOLE - 144, true]]);
      expect(check()).toBe(0);
    });

    it("rounds sizes up to a multiple of 8, at least 8", () => {
      for (const [size, got] of [[1, 8], [8, 8], [9, 16], [13, 16], [255, 256], [1000, 1000]]) {
        const p = alloc(size);
        expect(blockSize(p)).toBe(got);
      }
      expect(check()).toBe(0);
    });

    it("returns 0 for size 0, and for sizes near 2^32 without overflowing, counting those as failed", () => {
      expect(alloc(0)).toBe(0);
      expect(stats().failed).toBe(0);
      const huge = [0xffffffff, 0xfffffff8, 0xfffffff0, 0xffffff00, 0x80000000, 0x40000001, 0x40000000, 0x3ffffff9];
      for (const size of huge) expect(alloc(size)).toBe(0);
      for (const size of huge) for (const align of [8, 16, 4096, 0x40000000]) expect(allocAli(size, align)).toBe(0);
      expect(stats()).toEqual(fig(0, 0, 1, huge.length * 5));
      expect(check()).toBe(0);
    });

    it("serves a freed block again at the same size and address", () => {
      const a = alloc(40), b = alloc(300), c = alloc(40);
      expect(free(b)).toBe(true);
      expect(alloc(300)).toBe(b);
      expect(free(a)).toBe(true);
      expect(alloc(40)).toBe(a);
      expect(c).toBe(b + 304 + HEADER);
      expect(check()).toBe(0);
    });

    it("takes a good fit: the first non-empty class at or above the rounded size", () => {
      const small = alloc(1000), g1 = alloc(8), big = alloc(3000), g2 = alloc(8);
      free(small);
      free(big);
      expect(alloc(900)).toBe(small); // 900 rounds to 915: class [992, 1008) holds the 1000
      expect(blockSize(small)).toBe(904);
      expect(alloc(1100)).toBe(big); // nothing in [1024, 2944): the 3000
      expect(alloc(1800)).toBe(big + 1104 + HEADER); // the rest of the 3000
      expect([g1, g2].every((p) => p !== 0)).toBe(true);
      expect(check()).toBe(0);
    });

    it.each([[100, 100], [296, 296], [300, 304], [304, 304], [1000, 1000], [1024, 1048], [1030, 1048], [5000, 5120], [4500, 5000]])(
      "searches from the class end above the request: alloc(%i) with free blocks of %i and 20000 bytes", (x, s1) => {
        const [p1, , p2] = [s1, 8, 20000, 8].map(alloc);
        alloc(u(k.fn.tlsf_stats_largest_free())); // the rest: no wilderness left
        free(p1);
        free(p2);
        const [fl1, sl1] = mappingInsert(alignUp(s1, 8)), [fl, sl] = mappingSearch(alignUp(x, 8));
        const fits = fl1 > fl || (fl1 === fl && sl1 >= sl);
        expect(alloc(x)).toBe(fits ? p1 : p2);
        expect(check()).toBe(0);
      });

    it("returns 0 when no free block fits, and fills allocated payloads with junk", () => {
      const p = alloc(60000);
      expect(p).toBe(FIRST);
      expect(k.mem.subarray(p, p + 60000).every((b) => b === ALLOC_JUNK)).toBe(true);
      expect(alloc(6000)).toBe(0);
      expect(stats()).toEqual(fig(60008, 1, 1, 1));
      expect(check()).toBe(0);
    });
  });

  describe("tlsf_free", () => {
    it("merges with the free block before, after, and both", () => {
      const [a, b, c, d, e] = [40, 40, 40, 40, 40].map(alloc);
      expect(free(b)).toBe(true);
      expect(stats()).toEqual(fig(4 * 48, 4, 2));
      expect(free(c)).toBe(true); // merges with b before it
      expect(walk()[1]).toEqual([b, 40 + 48, false]);
      expect(free(a)).toBe(true); // merges with b..c after it
      expect(walk()[0]).toEqual([a, 40 + 2 * 48, false]);
      expect(free(e)).toBe(true); // merges with the rest of the pool after it
      expect(stats()).toEqual(fig(48, 1, 2));
      expect(free(d)).toBe(true); // both sides: one block again
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(walk()).toEqual([[FIRST, WHOLE, false]]);
      expect(check()).toBe(0);
    });

    it("fills freed payloads with junk (after the two list links)", () => {
      const a = alloc(64);
      alloc(8);
      k.mem.fill(7, a, a + 64);
      free(a);
      expect(k.mem.subarray(a + 8, a + 64).every((b) => b === FREE_JUNK)).toBe(true);
    });

    it("returns false for every kind of non-block and leaves the heap byte for byte as it was", () => {
      const a = alloc(100), b = alloc(40), c = allocAli(64, 256), d = alloc(24);
      free(b); // b: a free block now
      const gap = walk().find(([p, size, used]) => !used && (p as number) + (size as number) + HEADER === c)![0] as number;
      const before = k.mem.slice(BASE, BASE + SIZE);
      const figures = stats();
      const bad = [
        0, // null
        b, // double free
        a + 8, a + 96, c - 8, // interior, and c's header
        a + 4, a + 1, d + 3, // misaligned
        BASE, SENTINEL, SENTINEL + 8, BASE + SIZE, // the first header, the sentinel, past the pool
        BASE - 8, 0x200000, 0x100000, 0xfffffff8, 0xfffffff0, 8, // foreign
        gap, gap + 8, c - 16, // the free block the alignment left before c, and inside it
      ];
      for (const p of bad) {
        expect(free(p), `tlsf_free(0x${p.toString(16)})`).toBe(false);
        expect(blockSize(p)).toBe(0);
        if (p !== 0) expect(realloc(p, 10)).toBe(0); // (realloc(0, n) is tlsf_alloc)
      }
      expect(stats()).toEqual(figures);
      expect(Buffer.compare(k.mem.subarray(BASE, BASE + SIZE), before)).toBe(0);
      expect(check()).toBe(0);
    });

    it("refuses a stale pointer whose header a merge swallowed, even once the memory is reused", () => {
      const a = alloc(40), b = alloc(40);
      alloc(8);
      free(a);
      free(b); // merges into a: b's header is wiped
      expect(word(b - HEADER)).toBe(0);
      expect(word(b - HEADER + 4)).toBe(0);
      const big = alloc(88); // a..b again, as one block
      expect(big).toBe(a);
      expect(free(b)).toBe(false);
      expect(check()).toBe(0);
    });

    it("refuses a forged header unless both neighbours agree with it", () => {
      const a = alloc(200), b = alloc(8);
      k.fn.tlsf_debug_junk(0);
      const fake = a + 64; // a header inside a's payload: no block after points back at it
      setWord(fake - 8, a - HEADER);
      setWord(fake - 4, 64);
      expect(free(fake)).toBe(false);
      setWord(fake + 64, fake - 8); // the block after agrees, but the one before does not
      expect(free(fake)).toBe(false);
      expect(free(a)).toBe(true);
      expect(free(b)).toBe(true);
      expect(check()).toBe(0);
    });
  });

  describe("tlsf_alloc_ali", () => {
    it.each([8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])("aligns to %i, the gap in front becoming a free block", (align) => {
      let want = alignUp(FIRST, align);
      if (want - FIRST === 8) want += align; // the gap must hold a block (16 bytes)
      const p = allocAli(100, align);
      expect(p).toBe(want);
      expect(p % align).toBe(0);
      expect(blockSize(p)).toBe(104);
      const gap = p - FIRST;
      expect(walk()[0]).toEqual(gap ? [FIRST, gap - HEADER, false] : [FIRST, 104, true]);
      expect(stats()).toEqual(fig(112, 1, gap ? 2 : 1));
      expect(allocAli(100, align) % align).toBe(0);
      expect(check()).toBe(0);
      expect(free(p)).toBe(true);
    });

    it("aligns up to 1 GiB: 256 KiB in a 1 MiB pool, kept by a moving realloc", () => {
      expect(k.fn.tlsf_init(BASE, 0x100000)).toBe(1);
      const p = allocAli(100, 0x40000);
      expect(p).toBe(BASE + 0x40000);
      alloc(0x40000); // after p: growing must move, to the next multiple of 256 KiB with room
      const q = realloc(p, 0x10000);
      expect(q).toBe(BASE + 0xc0000);
      expect(allocAli(100, 0x40000000)).toBe(0); // no room, and no overflow
      expect(check()).toBe(0);
    });

    it("treats alignments below 8 as 8 and refuses non-powers of two and 0", () => {
      expect(allocAli(10, 1)).toBe(FIRST);
      expect(allocAli(10, 4)).toBe(FIRST + 24);
      for (const align of [0, 3, 24, 100, 0x80000000, 0xffffffff]) expect(allocAli(10, align)).toBe(0);
      expect(stats().failed).toBe(6);
      expect(check()).toBe(0);
    });

    it("gives everything back: after freeing, the pool is one block again", () => {
      const ps = [allocAli(100, 64), allocAli(7, 4096), allocAli(3000, 512), alloc(5)];
      expect(ps.every((p) => p !== 0)).toBe(true);
      for (const p of ps) expect(free(p)).toBe(true);
      expect(walk()).toEqual([[FIRST, WHOLE, false]]);
      expect(check()).toBe(0);
    });
  });

  describe("tlsf_realloc", () => {
    const fillPattern = (p: number, n: number) => { for (let i = 0; i < n; i++) k.mem[p + i] = (i * 7 + 3) & 255; };
    const hasPattern = (p: number, n: number) => { for (let i = 0; i < n; i++) if (k.mem[p + i] !== ((i * 7 + 3) & 255)) return false; return true; };

    it("grows in place into the free block after it", () => {
      const a = alloc(100);
      fillPattern(a, 100);
      expect(realloc(a, 1000)).toBe(a);
      expect(blockSize(a)).toBe(1000);
      expect(hasPattern(a, 100)).toBe(true);
      expect(stats()).toEqual(fig(1008, 1, 1));
      expect(check()).toBe(0);
    });

    it("moves when the block after is used, keeping the contents and freeing the old block", () => {
      const a = alloc(100);
      const b = alloc(8);
      fillPattern(a, 104);
      const q = realloc(a, 500);
      expect(q).toBe(b + 8 + HEADER);
      expect(hasPattern(q, 104)).toBe(true);
      expect(walk()).toEqual([[a, 104, false], [b, 8, true], [q, 504, true], [q + 504 + HEADER, WHOLE - 3 * HEADER - 104 - 8 - 504, false]]);
      expect(check()).toBe(0);
    });

    it("shrinks in place, the tail merging with a free block after it", () => {
      const a = alloc(1000);
      fillPattern(a, 1000);
      expect(realloc(a, 200)).toBe(a);
      expect(hasPattern(a, 200)).toBe(true);
      expect(walk()).toEqual([[a, 200, true], [a + 200 + HEADER, WHOLE - 208, false]]);
      expect(realloc(a, 195)).toBe(a); // rounds to the same 200: nothing to split
      expect(stats()).toEqual(fig(208, 1, 1));
      expect(check()).toBe(0);
    });

    it("keeps the original alignment when it moves the block", () => {
      for (const align of [16, 64, 512, 4096]) {
        const p = allocAli(100, align);
        const guard = alloc(5000); // too big for the gap before p: lands after it, so growing must move
        fillPattern(p, 104);
        const q = realloc(p, 3000);
        expect(q).not.toBe(p);
        expect(q % align).toBe(0);
        expect(hasPattern(q, 104)).toBe(true);
        const r = realloc(q, 100); // shrinking stays put
        expect(r).toBe(q);
        expect(free(r)).toBe(true);
        expect(free(guard)).toBe(true);
        expect(check()).toBe(0);
      }
      expect(walk()).toEqual([[FIRST, WHOLE, false]]);
    });

    it("treats ptr 0 as tlsf_alloc and size 0 as tlsf_free", () => {
      const a = realloc(0, 50);
      expect(a).toBe(FIRST);
      expect(realloc(a, 0)).toBe(0);
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(free(a)).toBe(false);
    });

    it("returns 0 and leaves the block as it was when the memory is short or the size too large", () => {
      const a = alloc(30000);
      const b = alloc(8);
      fillPattern(a, 30000);
      const figures = stats();
      expect(realloc(a, 40000)).toBe(0);
      expect(realloc(a, 0xfffffff0)).toBe(0);
      expect(stats()).toEqual({ ...figures, failed: 2 });
      expect(hasPattern(a, 30000)).toBe(true);
      expect(blockSize(a)).toBe(30000);
      expect(free(a) && free(b)).toBe(true);
      expect(check()).toBe(0);
    });
  });

  describe("tlsf_block_size", () => {
    it("is the usable size of a live block and 0 for anything else", () => {
      const a = alloc(13), b = allocAli(200, 128);
      expect(blockSize(a)).toBe(16);
      expect(blockSize(b)).toBe(200);
      expect(blockSize(a + 8)).toBe(0);
      expect(blockSize(0)).toBe(0);
      free(a);
      expect(blockSize(a)).toBe(0);
    });
  });

  describe("tlsf_add_pool", () => {
    it("adds a separate pool that serves what the first cannot", () => {
      const BASE2 = 0x500000;
      alloc(60000);
      expect(alloc(30000)).toBe(0);
      expect(addPool(BASE2, 0x8000)).toBe(true);
      expect(stats()).toEqual(fig(60008, 1, 2, 1, TOTAL + 0x8000 - HEADER, 2));
      expect(alloc(30000)).toBe(BASE2 + HEADER);
      expect(walk().slice(-2)).toEqual([[BASE2 + HEADER, 30000, true], [BASE2 + 30016, 0x8000 - 30000 - 3 * HEADER, false]]);
      expect(check()).toBe(0);
    });

    it("merges a pool that starts where another ends: the sentinel becomes part of a block", () => {
      const p = alloc(WHOLE); // the pool is full
      expect(addPool(BASE + SIZE, 0x4000)).toBe(true);
      expect(stats()).toEqual(fig(TOTAL, 1, 1, 0, TOTAL + 0x4000, 1));
      expect(walk()).toEqual([[p, WHOLE, true], [SENTINEL + HEADER, 0x4000 - HEADER, false]]);
      free(p); // merges with the new block after it: one block over both
      expect(walk()).toEqual([[FIRST, WHOLE + 0x4000, false]]);
      expect(alloc(WHOLE + 0x4000)).toBe(FIRST);
      expect(check()).toBe(0);
    });

    it("merges a pool that ends where another starts, and one that bridges two", () => {
      expect(addPool(BASE - 0x1000, 0x1000)).toBe(true); // before the pool
      expect(stats().pools).toBe(1);
      expect(walk()).toEqual([[BASE - 0x1000 + HEADER, WHOLE + 0x1000, false]]);
      expect(addPool(BASE + SIZE + 0x100, 0x1000)).toBe(true); // separate, 0x100 after
      expect(stats().pools).toBe(2);
      expect(addPool(BASE + SIZE, 0x100)).toBe(true); // the gap: all one pool
      expect(stats()).toEqual(fig(0, 0, 1, 0, 0x1000 + SIZE + 0x100 + 0x1000 - HEADER, 1));
      expect(alloc(0x1000 + SIZE + 0x100 + 0x1000 - 2 * HEADER)).toBe(BASE - 0x1000 + HEADER);
      expect(check()).toBe(0);
    });

    it("returns false, changing nothing, for overlaps, wrapping, tiny ranges and a 17th pool", () => {
      for (const [mem, bytes] of [[BASE, 0x100], [BASE + 0x8000, 0x10000], [BASE - 0x100, 0x200], [0xfffff000, 0x2000],
        [0x500000, 16], [0x500000, 0], [0x200000, 0x100000]]) {
        expect(addPool(mem, bytes), `tlsf_add_pool(0x${mem.toString(16)}, 0x${bytes.toString(16)})`).toBe(false);
      }
      expect(stats()).toEqual(fig(0, 0, 1));
      for (let i = 1; i < 16; i++) expect(addPool(0x500000 + i * 0x100, 0x80)).toBe(true);
      expect(addPool(0x600000, 0x80)).toBe(false);
      expect(addPool(0x500000 + 16 * 0x100 - 0x80, 0x40)).toBe(true); // merging needs no new entry
      expect(stats().pools).toBe(16);
      expect(check()).toBe(0);
    });
  });

  describe("tlsf_check", () => {
    it("counts a damaged header", () => {
      const a = alloc(40);
      alloc(40);
      setWord(a - 4, 48); // a's size now reaches into the next block
      expect(check()).toBeGreaterThan(0);
    });

    it("terminates on a free list corrupted into a cycle", () => {
      const ps = Array.from({ length: 6 }, () => alloc(40));
      for (const p of [ps[0], ps[2], ps[4]]) free(p); // three free 40-byte blocks in one list
      expect(check()).toBe(0);
      setWord(ps[0], ps[4] - HEADER); // the last in the list (freed first) points back at the head
      expect(check()).toBeGreaterThan(0);
      setWord(ps[0], ps[0] - HEADER); // a block that is its own successor
      expect(check()).toBeGreaterThan(0);
    });

    it("counts a free block missing from its list, and figures that do not add up", () => {
      const a = alloc(40);
      alloc(40);
      setWord(a - 4, 40 | FREE); // marked free behind the lists' back
      expect(check()).toBeGreaterThan(0);
    });
  });

  describe("figures", () => {
    it("track the peak, the largest free block and the failures", () => {
      const a = alloc(10000), b = alloc(20000);
      expect(u(k.fn.tlsf_stats_peak())).toBe(30016);
      free(a);
      expect(u(k.fn.tlsf_stats_peak())).toBe(30016);
      expect(u(k.fn.tlsf_stats_largest_free())).toBe(WHOLE - 30016);
      free(b);
      expect(u(k.fn.tlsf_stats_largest_free())).toBe(WHOLE);
      alloc(WHOLE);
      expect(u(k.fn.tlsf_stats_largest_free())).toBe(0);
      expect(alloc(8)).toBe(0);
      expect(stats()).toEqual(fig(TOTAL, 1, 0, 1));
    });
  });

  describe("locks", () => {
    it("takes and releases lock TLSF_LK_HEAP (0) once around each _lk call, and never in the plain calls", () => {
      expect(k.fn.lk_heap()).toBe(0);
      k.fn.locks_install();
      const a = u(k.fn.tlsf_alloc_lk(100));
      const b = u(k.fn.tlsf_alloc_ali_lk(100, 512));
      expect(a).toBe(FIRST);
      expect(b % 512).toBe(0);
      expect(k.fn.tlsf_free_lk(a)).toBe(1);
      expect(k.fn.tlsf_free_lk(a)).toBe(0); // a bad free still pairs its lock
      expect(u(k.fn.tlsf_alloc_lk(0x7fffffff))).toBe(0);
      expect([k.fn.locks_taken(), k.fn.locks_released(), k.fn.locks_last_lk(), k.fn.locks_misuse()]).toEqual([5, 5, 0, 0]);
      expect(k.fn.locks_ops_inside()).toBe(4); // each but the bad free changed the figures inside the lock
      free(b);
      alloc(8);
      expect(k.fn.locks_taken()).toBe(5);
      expect(check()).toBe(0);
    });
  });

  describe("growth", () => {
    it("returns 0 when exhausted without a hook", () => {
      expect(alloc(0x20000)).toBe(0);
      expect(stats().failed).toBe(1);
    });

    it("calls the hook once with enough bytes and retries: adjacent growth stays one pool", () => {
      k.fn.grow_install(BASE + SIZE, 0x1000, 0x800000);
      const p = alloc(0x20000);
      expect(k.fn.grow_calls()).toBe(1);
      expect(u(k.fn.grow_last_min())).toBe(0x21000 + 2 * HEADER); // 0x20000 rounded up to its class end, + a header and a sentinel
      expect(p).toBe(FIRST); // the pool's free block merged with the new memory
      expect(stats().pools).toBe(1);
      expect(allocAli(100, 4096)).not.toBe(0); // fits: no growth
      expect(k.fn.grow_calls()).toBe(1);
      expect(check()).toBe(0);
    });

    it("retries once only, and fails when the hook cannot grow", () => {
      k.fn.grow_install_liar();
      expect(alloc(0x20000)).toBe(0);
      expect(k.fn.grow_calls()).toBe(1);
      k.fn.grow_install(0x500000, 0, 0x500000 + 0x100);
      expect(allocAli(0x20000, 64)).toBe(0);
      expect(k.fn.grow_calls()).toBe(1);
      expect(stats()).toEqual(fig(0, 0, 1, 2));
      expect(check()).toBe(0);
    });
  });

  describe("whole pool", () => {
    it("serves one allocation of the whole pool after everything is freed", () => {
      const ps: number[] = [];
      for (let i = 0; i < 300; i++) {
        const p = i % 3 ? alloc(8 + ((i * 37) % 300)) : allocAli(8 + i, 8 << (i % 10));
        if (p) ps.push(p);
      }
      const order = [...ps.filter((_, i) => i % 2), ...ps.filter((_, i) => i % 2 === 0).reverse()];
      for (const p of order) expect(free(p)).toBe(true);
      expect(stats()).toEqual(fig(0, 0, 1, stats().failed));
      expect(alloc(WHOLE)).toBe(FIRST);
      expect(stats().free).toBe(0);
      expect(check()).toBe(0);
    });
  });

  describe("fuzz", () => {
    const SEEDS = 4;
    it(`agrees with the byte-range shadow model over ${FUZZ_OPS.toLocaleString("en")} operations (${SEEDS} seeds), tlsf_check() == 0 after each`, () => {
      const t0 = performance.now();
      const counts: Record<string, number> = {};
      for (let s = 0; s < SEEDS; s++) {
        const r = runFuzz(Math.ceil(FUZZ_OPS / SEEDS), FUZZ_SEED + s * 0x1000193);
        expect(r.failures).toEqual([]);
        for (const [name, n] of Object.entries(r.counts)) counts[name] = (counts[name] ?? 0) + n;
      }
      const secs = (performance.now() - t0) / 1000;
      console.log(`tlsf fuzz: ${FUZZ_OPS.toLocaleString("en")} ops in ${secs.toFixed(1)} s ` +
        `(${Math.round(FUZZ_OPS / secs).toLocaleString("en")} ops/s); ${JSON.stringify(counts)}`);
      expect(counts.alloc).toBeGreaterThan(FUZZ_OPS / 3);
      expect(counts.badFree).toBeGreaterThan(FUZZ_OPS / 30);
    }, 900_000);

    it("agrees with the shadow model while a growth hook extends the pool (200,000 operations)", () => {
      const START = 0x4000, STEP = 0x1000, LIMIT = BASE + 0x40000;
      expect(k.fn.tlsf_init(BASE, START)).toBe(1);
      k.fn.grow_install(BASE + START, STEP, LIMIT);
      const shadow = new Shadow(BASE, START, k.mem); // (the sentinel moves as the pool grows: not reserved)
      let end = BASE + START;
      const r = fuzz(target, shadow, {
        ops: 200_000, seed: FUZZ_SEED ^ 0x5bd1e995, foreign: [BASE - 8, LIMIT + 8],
        grown: () => {
          const next = u(k.fn.grow_next()), added = next - end;
          if (added) shadow.addPool(end, added);
          end = next;
          return added;
        },
      });
      expect(r.failures).toEqual([]);
      expect(k.fn.grow_calls()).toBeGreaterThan(10);
      expect(stats().pools).toBe(1); // every addition merged
    }, 120_000);
  });

  describe("tlsf_smoke.ts", () => {
    it("prints the same under V8 and as kbc, and exits 0", async () => {
      const { wasm, kbc } = await runBoth("tests/mm/tlsf_smoke.ts");
      expect(kbc).toEqual(wasm);
      expect(wasm.code).toBe(0);
      expect(wasm.stdout).toContain("tlsf_alloc_ali(64, 4096) = 0x00501000\n");
      expect(wasm.stdout).toContain("tlsf_free(b) 1, again 0, interior 0, misaligned 0, foreign 0, null 0\n");
      expect(wasm.stdout).toContain("tlsf_alloc(0xfffffff0) = 0x00000000\n");
      expect(wasm.stdout).toMatch(/tlsf_check = 0\n[^]*tlsf_check = 0\ntlsf_smoke: ok\n$/);
    });
  });

  describe("churn trace (../shared/bench/churn.md)", () => {
    it("runs 10 seeds x 200,000 steps in a 16 MiB pool without a failed allocation, and leaves the heap whole", () => {
      const POOL = 0x1000000, BYTES = 16 << 20, STEPS = 200_000; // timings: kt bench alloc
      for (let seed = 12345; seed <= 12354; seed++) {
        expect(k.fn.churn(seed, STEPS, POOL, BYTES, 0)).toBe(0);
        expect(check()).toBe(0);
        expect(stats().blocks).toBe(0);
        expect(stats().freeBlocks).toBe(1);
        const frag = u(k.fn.churn_peak_span()) / u(k.fn.churn_peak_live());
        expect(frag).toBeGreaterThanOrEqual(1);
        expect(frag).toBeLessThan(1.5);
      }
      k.fn.tlsf_debug_junk(1);
      k.fn.tlsf_init(BASE, SIZE);
    });
  });
});

// ── The differential fuzz ──────────────────────────────────────────────────────────────────────

const FUZZ_OPS = Number(process.env.KT_FUZZ_OPS ?? 1_000_000);
const FUZZ_SEED = Number(process.env.KT_FUZZ_SEED ?? 0x7f4a7c15);

/** TLSF as a fuzz target: direct exports, junk fill on (a wrong fill would damage live tags). */
const target: FuzzTarget = {
  alloc: (size, align) => (align <= 8 ? k.fn.tlsf_alloc(size) : k.fn.tlsf_alloc_ali(size, align)),
  free: (p) => k.fn.tlsf_free(p) === 1,
  check: () => k.fn.tlsf_check(),
  blockSize: (p) => k.fn.tlsf_block_size(p),
  realloc: (p, size) => k.fn.tlsf_realloc(p, size),
  stats: () => ({ used: u(k.fn.tlsf_stats_used()), free: u(k.fn.tlsf_stats_free()), blocks: k.fn.tlsf_stats_blocks() }),
};

/** One fuzz run from a fresh pool; the sentinel is Invalid in the shadow. */
function runFuzz(ops: number, seed: number) {
  expect(k.fn.tlsf_init(BASE, SIZE)).toBe(1);
  const shadow = new Shadow(BASE, SIZE, k.mem);
  shadow.reserve(SENTINEL, HEADER);
  return fuzz(target, shadow, {
    ops, seed, whole: { size: WHOLE, at: FIRST },
    foreign: [BASE - 8, BASE + SIZE, SENTINEL + 8, 0x200000, 0x100000, 0xfffffff8, 8],
  });
}
