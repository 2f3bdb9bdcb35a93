// kernel-ts/mm/palloc.ts on the host: exact addresses and figures after each step from a fresh
// 64 KiB pool per test, every kind of bad free, the checker against deliberate corruption, a
// differential fuzz against a byte-range shadow model, and the churn trace.
import { describe, it, expect, beforeAll, beforeEach } from "vitest";
import { loadKernelWasm, type KernelWasm } from "../lib/kwasm.ts";

// The pool of every test and the layout pinit gives it (docs/palloc.md): a start bitmap of one
// bit per 8 bytes (rounded up to 8 bytes), the blocks, and an 8-byte end tag.
const BASE = 0x400000;
const SIZE = 0x10000;
const HEADER = 8;
const MIN_BLOCK = 16;
const MAP = Math.ceil(((SIZE >> 6) + 1) / 8) * 8; // 1032
const HEAP = BASE + MAP; // the first block
const SENTINEL = BASE + SIZE - HEADER;
const TOTAL = SENTINEL - HEAP; // bytes in blocks: used + free, always
const FIRST = HEAP + HEADER; // the first payload
const ALLOC_JUNK = 0xa5;
const FREE_JUNK = 0xdd;

let k: KernelWasm;
const u = (v: number) => v >>> 0;
const palloc = (size: number) => u(k.fn.palloc(size));
const pallocAli = (size: number, align: number) => u(k.fn.palloc_ali(size, align));
const pfree = (p: number) => k.fn.pfree(p) === 1;
const pcheck = () => k.fn.pcheck();
const stats = () => ({
  used: u(k.fn.pstats_used()), free: u(k.fn.pstats_free()), largest: u(k.fn.pstats_largest_free()),
  blocks: u(k.fn.pstats_blocks()), freeBlocks: u(k.fn.pstats_free_blocks()), failed: u(k.fn.pstats_failed()),
});
/** The figures when `used` bytes sit in `blocks` used blocks and the rest is `freeBlocks` free blocks whose largest has `largest` bytes. */
const fig = (used: number, blocks: number, freeBlocks: number, largest = TOTAL - used, failed = 0) =>
  ({ used, free: TOTAL - used, largest: largest ? largest - HEADER : 0, blocks, freeBlocks, failed });
const word = (a: number) => new DataView(k.mem.buffer).getUint32(a, true);
const setWord = (a: number, v: number) => new DataView(k.mem.buffer).setUint32(a, v, true);

beforeAll(async () => { k = await loadKernelWasm("tests/mm/palloc-harness.ts"); });
beforeEach(() => { expect(k.fn.pinit(BASE, SIZE)).toBe(1); });

describe("palloc", () => {
  describe("pinit", () => {
    it("makes the pool one free block between the start bitmap and the end tag", () => {
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(word(HEAP)).toBe(TOTAL); // size, free
      expect(word(HEAP + 4)).toBe(0); // no block before
      expect(word(SENTINEL)).toBe(1); // size 0, used
      expect(word(SENTINEL + 4)).toBe(TOTAL);
      expect(pcheck()).toBe(0);
    });

    it("rounds an unaligned base up to 8 and the end down to 8", () => {
      expect(k.fn.pinit(BASE + 3, SIZE - 3)).toBe(1);
      expect(palloc(8)).toBe(BASE + 8 + 1024 + HEADER); // 64 KiB - 8 of pool: a 1024-byte bitmap
      expect(pcheck()).toBe(0);
    });

    it("returns false for a pool too small for one block, or one that wraps past 4 GiB; palloc then returns 0", () => {
      for (const [base, size] of [[BASE, 0], [BASE, 31], [BASE + 1, 7], [0xfffff000 | 0, 0x2000]]) {
        expect(k.fn.pinit(base, size)).toBe(0);
        expect(palloc(8)).toBe(0);
        expect(pfree(base)).toBe(false);
        expect(pcheck()).toBe(0);
      }
      expect(k.fn.pinit(BASE, 48)).toBe(1); // bitmap 8, one 32-byte block, end tag
      expect(palloc(24)).toBe(BASE + 16);
    });

    it("forgets the previous pool", () => {
      palloc(100);
      expect(k.fn.pinit(BASE, SIZE)).toBe(1);
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(palloc(8)).toBe(FIRST);
    });
  });

  describe("palloc", () => {
    it("puts the first block at the start of the heap", () => {
      expect(palloc(24)).toBe(FIRST);
      expect(stats()).toEqual(fig(32, 1, 1));
      expect(pcheck()).toBe(0);
    });

    it("puts the second block right after the first", () => {
      expect(palloc(24)).toBe(FIRST);
      expect(palloc(100)).toBe(FIRST + 32);
      expect(stats()).toEqual(fig(32 + 112, 2, 1));
      expect(pcheck()).toBe(0);
    });

    it("rounds sizes up to 8 plus the header, with a 16-byte minimum block", () => {
      const sizes = [1, 8, 9, 16, 17];
      const blocks = [16, 16, 24, 24, 32];
      let at = FIRST;
      for (let i = 0; i < sizes.length; i++) {
        expect(palloc(sizes[i])).toBe(at);
        at += blocks[i];
      }
      expect(stats()).toEqual(fig(112, 5, 1));
    });

    it("splits the free block it takes, leaving the rest free behind it", () => {
      palloc(24);
      expect(word(HEAP + 32)).toBe(TOTAL - 32); // the rest: a free block
      expect(word(HEAP + 32 + 4)).toBe(32);
      expect(pcheck()).toBe(0);
    });

    it("hands out a whole free block when what is left would be smaller than a block", () => {
      const a = palloc(96); // 104-byte block
      palloc(8);
      pfree(a);
      expect(palloc(88)).toBe(a); // needs 96: 8 left over, too small to stand alone
      expect(stats()).toEqual(fig(104 + 16, 2, 1));
      expect(pcheck()).toBe(0);
    });

    it("takes the first hole that fits, not the best", () => {
      const a = palloc(200), b = palloc(8), c = palloc(40), d = palloc(8);
      expect([b, d].every((p) => p !== 0)).toBe(true);
      pfree(a);
      pfree(c);
      expect(palloc(40)).toBe(a); // the 208-byte hole comes first; best fit would take the 48-byte one
      expect(palloc(150)).toBe(a + 48); // the 160 bytes left of it
      expect(palloc(40)).toBe(c);
      expect(pcheck()).toBe(0);
    });

    it("fills a new block with the allocation junk byte", () => {
      const p = palloc(20);
      expect([...k.mem.subarray(p, p + 24)].every((v) => v === ALLOC_JUNK)).toBe(true);
    });

    it("returns 0 when no free block is large enough, and counts it", () => {
      expect(palloc(TOTAL)).toBe(0);
      expect(palloc(TOTAL - HEADER + 1)).toBe(0);
      expect(palloc(TOTAL - HEADER)).toBe(FIRST);
      expect(palloc(1)).toBe(0);
      expect(stats()).toEqual(fig(TOTAL, 1, 0, 0, 3));
      expect(pcheck()).toBe(0);
    });

    it("returns 0 for size 0", () => {
      expect(palloc(0)).toBe(0);
      expect(stats()).toEqual(fig(0, 0, 1, TOTAL, 1));
    });

    it("returns 0 for sizes near 2^32 without wrapping", () => {
      for (const size of [0xffffffff, 0xfffffff9, 0xfffffff8, 0xfffffff0, 0x80000000, 0x7fffffff]) {
        expect(palloc(size)).toBe(0);
        expect(pallocAli(size, 4096)).toBe(0);
      }
      expect(stats()).toEqual(fig(0, 0, 1, TOTAL, 12));
      expect(pcheck()).toBe(0);
    });
  });

  describe("palloc_ali", () => {
    for (let align = 8; align <= 4096; align *= 2) {
      it(`aligns to ${align} after an odd-sized block, keeping the padding as a free block`, () => {
        palloc(16); // a 24-byte block: the next payload is at FIRST + 24 = 16 mod 32
        const p = pallocAli(40, align);
        expect(p % align).toBe(0);
        const next = FIRST + 24;
        expect(p).toBe(next % align === 0 ? next : Math.ceil((next + MIN_BLOCK) / align) * align);
        const pad = p - next; // the free block in front
        expect(stats()).toEqual(fig(24 + 48, 2, pad ? 2 : 1, Math.max(pad, SENTINEL - (p + 40))));
        expect(pcheck()).toBe(0);
      });
    }

    it("aligns to 8192 and 32768 too", () => {
      expect(pallocAli(8, 8192) % 8192).toBe(0);
      expect(pallocAli(8, 32768)).toBe(BASE + 32768);
      expect(pcheck()).toBe(0);
    });

    it("skips to the next aligned address when the padding would be too small for a free block", () => {
      palloc(16); // a 24-byte block: the next payload would be at 8 mod 16
      expect(pallocAli(8, 16)).toBe(FIRST + 24 + 8 + 16); // 8 bytes of padding cannot stand alone: 24
      expect(stats()).toEqual(fig(24 + 16, 2, 2, TOTAL - 24 - 24 - 16));
      expect(palloc(16)).toBe(FIRST + 24); // the padding block is reused
      expect(stats()).toEqual(fig(24 + 16 + 24, 3, 1));
      expect(pcheck()).toBe(0);
    });

    it("lets later requests fill the padding in front of an aligned block", () => {
      const p = pallocAli(64, 4096);
      expect(p).toBe(BASE + 0x1000);
      expect(palloc(24)).toBe(FIRST);
      expect(palloc(24)).toBe(FIRST + 32);
      expect(pfree(p)).toBe(true);
      expect(stats()).toEqual(fig(64, 2, 1));
      expect(pcheck()).toBe(0);
    });

    it("treats alignments 1, 2 and 4 as 8", () => {
      expect(pallocAli(3, 1)).toBe(FIRST);
      expect(pallocAli(3, 2)).toBe(FIRST + 16);
      expect(pallocAli(3, 4)).toBe(FIRST + 32);
    });

    it("returns 0 for alignments that are not powers of two, or that nothing in the pool can meet", () => {
      for (const align of [0, 3, 24, 4095, 0xffffffff]) expect(pallocAli(8, align)).toBe(0);
      expect(pallocAli(8, 0x10000)).toBe(0); // no 64 KiB boundary inside the heap
      expect(pallocAli(8, 0x80000000)).toBe(0); // rounding up wraps past 2^32
      expect(stats()).toEqual(fig(0, 0, 1, TOTAL, 7));
      expect(pcheck()).toBe(0);
    });
  });

  describe("pfree", () => {
    let a = 0, b = 0, c = 0;
    const A = 32, B = 48, C = 64; // block sizes
    beforeEach(() => {
      a = palloc(A - HEADER);
      b = palloc(B - HEADER);
      c = palloc(C - HEADER);
      expect([a, b, c]).toEqual([FIRST, FIRST + A, FIRST + A + B]);
    });

    it("turns the only block back into the whole pool", () => {
      k.fn.pinit(BASE, SIZE);
      expect(pfree(palloc(100))).toBe(true);
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(pcheck()).toBe(0);
    });

    it("leaves a block between two used ones as a free block of its own", () => {
      expect(pfree(b)).toBe(true);
      expect(stats()).toEqual(fig(A + C, 2, 2, TOTAL - A - B - C));
      expect(word(b - HEADER)).toBe(B);
      expect(palloc(B - HEADER)).toBe(b); // first fit: the hole comes before the tail
      expect(pcheck()).toBe(0);
    });

    it("merges with the free block after it", () => {
      expect(pfree(c)).toBe(true);
      expect(stats()).toEqual(fig(A + B, 2, 1));
      expect(word(c - HEADER)).toBe(TOTAL - A - B);
      expect(pcheck()).toBe(0);
    });

    it("merges with the free block before it", () => {
      pfree(a);
      expect(stats()).toEqual(fig(B + C, 2, 2, TOTAL - A - B - C));
      expect(pfree(b)).toBe(true);
      expect(stats()).toEqual(fig(C, 1, 2, TOTAL - A - B - C));
      expect(word(a - HEADER)).toBe(A + B);
      expect(word(c - HEADER + 4)).toBe(A + B); // the block after knows the new size
      expect(palloc(A + B - HEADER)).toBe(a);
      expect(pcheck()).toBe(0);
    });

    it("merges with free blocks on both sides", () => {
      pfree(a);
      pfree(c);
      expect(stats()).toEqual(fig(B, 1, 2, TOTAL - A - B));
      expect(pfree(b)).toBe(true);
      expect(stats()).toEqual(fig(0, 0, 1));
      expect(word(HEAP)).toBe(TOTAL);
      expect(word(SENTINEL + 4)).toBe(TOTAL);
      expect(pcheck()).toBe(0);
    });

    it("keeps the free list in address order whatever the order of frees", () => {
      k.fn.pinit(BASE, SIZE);
      const ps = Array.from({ length: 8 }, () => palloc(24));
      for (const i of [5, 1, 7, 3]) expect(pfree(ps[i])).toBe(true); // holes, one per gap; 7 merges with the tail
      expect(pcheck()).toBe(0);
      expect([palloc(24), palloc(24), palloc(24), palloc(24)]).toEqual([ps[1], ps[3], ps[5], ps[7]]);
    });

    it("fills the freed block with the free junk byte, past the list links", () => {
      pfree(b);
      expect([...k.mem.subarray(b + 8, b + B - HEADER)].every((v) => v === FREE_JUNK)).toBe(true);
    });

    it("returns false for every kind of bad pointer, changing nothing", () => {
      pfree(b); // b is now a free block
      const before = stats();
      const image = k.mem.slice(BASE, BASE + SIZE);
      const bad = [
        0, // null
        b, // double free
        a + 8, c + 16, a + HEADER, // interior
        a - HEADER, HEAP, // a block header
        a + 4, a + 1, c + 3, // misaligned
        c + C, // the payload of the free tail block (never handed out)
        BASE, BASE + 8, HEAP - 8, // the start bitmap
        SENTINEL, SENTINEL + 8, BASE + SIZE, // the end tag and past the pool
        BASE - 8, 0x200000, 0xfffffff8, // elsewhere
      ];
      for (const p of bad) expect(pfree(p), `pfree(0x${p.toString(16)})`).toBe(false);
      expect(stats()).toEqual(before);
      expect(k.mem.slice(BASE, BASE + SIZE)).toEqual(image);
      expect(pcheck()).toBe(0);
    });

    it("returns false before any pool exists", () => {
      k.fn.pinit(BASE, 0);
      expect(pfree(a)).toBe(false);
    });

    it("panics when a live block's header was overwritten", () => {
      setWord(b - HEADER, 0);
      expect(() => pfree(b)).toThrow(/^PANIC: pfree: block header corrupted at /);
    });
  });

  describe("pcheck", () => {
    let a = 0, b = 0;
    beforeEach(() => {
      a = palloc(24);
      b = palloc(40);
      palloc(8);
      pfree(a);
      expect(pcheck()).toBe(0);
    });
    const corrupt = [
      ["a used block's size", () => setWord(b - HEADER, 0x48 | 1)],
      ["a used block's size, to 0", () => setWord(b - HEADER, 1)],
      ["a used block's size, past the end", () => setWord(b - HEADER, 0x10001)],
      ["a size-before field", () => setWord(b - HEADER + 4, 8)],
      ["a used bit", () => setWord(b - HEADER, 48)],
      ["a spare flag bit", () => setWord(b - HEADER, 48 | 3)],
      ["a free-list link, into a cycle", () => setWord(a + 0, a - HEADER)],
      ["a free-list back link", () => setWord(a + 4, 0x1234)],
      ["a start-bitmap bit", () => setWord(BASE + 4, 1)],
      ["the end tag", () => setWord(SENTINEL, 0)],
    ] as const;
    for (const [what, damage] of corrupt) {
      it(`finds damage to ${what}, and terminates`, () => {
        damage();
        expect(pcheck()).toBeGreaterThan(0);
      });
    }

    it("finds figures that disagree with the blocks (a lost free block)", () => {
      setWord(HEAP + 8, 0); // the head's next link: the tail block drops out of the list
      expect(pcheck()).toBeGreaterThan(0);
    });
  });

  describe("whole pool", () => {
    it("serves one allocation of nearly the whole pool after everything is freed", () => {
      const ps: number[] = [];
      for (let i = 0; i < 200; i++) {
        const p = i % 3 ? palloc(8 + ((i * 37) % 300)) : pallocAli(8 + i, 8 << (i % 10));
        if (p) ps.push(p);
      }
      const order = [...ps.filter((_, i) => i % 2), ...ps.filter((_, i) => i % 2 === 0).reverse()];
      for (const p of order) expect(pfree(p)).toBe(true);
      expect(stats()).toEqual(fig(0, 0, 1, TOTAL, stats().failed));
      expect(palloc(TOTAL - HEADER)).toBe(FIRST);
      expect(stats().free).toBe(0);
      expect(pcheck()).toBe(0);
    });
  });

  describe("fuzz", () => {
    it(`agrees with a byte-range shadow model over ${FUZZ_OPS.toLocaleString("en")} random operations, pcheck() == 0 after each`, () => {
      const r = fuzz(FUZZ_OPS, FUZZ_SEED);
      expect(r).toEqual({ ops: FUZZ_OPS, failures: [] });
    }, 900_000);
  });

  describe("churn trace (../shared/bench/churn.md)", () => {
    it("runs 10 seeds x 200,000 steps in a 16 MiB pool without a failed allocation, and leaves the pool whole", () => {
      const POOL = 0x1000000, BYTES = 16 << 20, STEPS = 200_000; // timings: kt bench alloc
      for (let seed = 12345; seed <= 12354; seed++) {
        expect(k.fn.churn(seed, STEPS, POOL, BYTES, 0)).toBe(0);
        expect(pcheck()).toBe(0);
        expect(stats().blocks).toBe(0);
        expect(stats().freeBlocks).toBe(1);
        const frag = u(k.fn.churn_peak_span()) / u(k.fn.churn_peak_live());
        expect(frag).toBeGreaterThanOrEqual(1);
        expect(frag).toBeLessThan(1.5);
      }
      k.fn.pinit(BASE, SIZE);
    });
  });
});

// ── The differential fuzz ──────────────────────────────────────────────────────────────────────

const FUZZ_OPS = Number(process.env.KT_FUZZ_OPS ?? 1_000_000);
const FUZZ_SEED = Number(process.env.KT_FUZZ_SEED ?? 0x9e3779b9);

/**
 * A minimal byte-range shadow of the pool: every byte is Free or Used by exactly one live
 * block; a block must be aligned, inside the heap and over Free bytes only; its payload carries a
 * tag byte that must survive until it is freed.
 */
class MiniShadow {
  private owner: Uint8Array;
  readonly live = new Map<number, { size: number; tag: number }>();
  readonly ptrs: number[] = [];
  readonly freed: number[] = []; // the last 64 freed pointers, for double frees
  private nFreed = 0;
  constructor(private base: number, size: number) { this.owner = new Uint8Array(size); }

  onAlloc(p: number, size: number, align: number, tag: number): string | null {
    if (p % Math.max(align, 8) !== 0) return `palloc_ali(${size}, ${align}) = 0x${p.toString(16)}: misaligned`;
    if (p < FIRST || p + size > SENTINEL) return `palloc(${size}) = 0x${p.toString(16)}: outside the heap`;
    const o = p - this.base;
    if (this.owner.subarray(o, o + size).indexOf(1) >= 0) return `palloc(${size}) = 0x${p.toString(16)}: overlaps a live block`;
    this.owner.fill(1, o, o + size);
    k.mem.fill(tag, p, p + size);
    this.live.set(p, { size, tag });
    this.ptrs.push(p);
    return null;
  }

  onFree(i: number): string | null {
    const p = this.ptrs[i];
    const { size, tag } = this.live.get(p)!;
    const o = p - this.base;
    const bytes = k.mem.subarray(p, p + size);
    if (bytes.some((v) => v !== tag)) return `block 0x${p.toString(16)} (${size} bytes): payload damaged while live`;
    this.owner.fill(0, o, o + size);
    this.live.delete(p);
    this.freed[this.nFreed++ & 63] = p;
    this.ptrs[i] = this.ptrs[this.ptrs.length - 1];
    this.ptrs.pop();
    return null;
  }
}

/** Runs `ops` random operations against palloc and the shadow; returns the first failures. */
function fuzz(ops: number, seed: number): { ops: number; failures: string[] } {
  let rs = seed >>> 0 || 1;
  const rnd = (n: number) => {
    rs ^= rs << 13; rs >>>= 0; rs ^= rs >>> 17; rs ^= rs << 5; rs >>>= 0;
    return rs % n;
  };
  k.fn.pinit(BASE, SIZE);
  let sh = new MiniShadow(BASE, SIZE);
  const failures: string[] = [];
  const fail = (op: number, what: string) => { if (failures.length < 5) failures.push(`op ${op}: ${what}`); };
  let done = 0;
  for (let op = 0; op < ops && failures.length === 0; op++, done++) {
    const roll = rnd(1000);
    if (roll < 500) { // allocate
      const c = rnd(100);
      const size = c < 70 ? 1 + rnd(128) : c < 95 ? 129 + rnd(1920) : 2049 + rnd(14336);
      const aligned = rnd(4) === 0;
      const align = aligned ? 1 << rnd(13) : 8;
      const p = u(aligned ? k.fn.palloc_ali(size, align) : k.fn.palloc(size));
      if (p !== 0) {
        const e = sh.onAlloc(p, size, align, 1 + rnd(250));
        if (e) fail(op, e);
      }
    } else if (roll < 950) { // free a live block
      if (sh.ptrs.length === 0) continue;
      const i = rnd(sh.ptrs.length);
      const p = sh.ptrs[i];
      const e = sh.onFree(i);
      if (e) fail(op, e);
      if (!pfree(p)) fail(op, `pfree(0x${p.toString(16)}) of a live block returned false`);
    } else if (roll < 995) { // a bad free: must return false and change nothing
      const p = badPointer(sh, rnd);
      if (p === null) continue;
      const before = stats();
      if (pfree(p)) fail(op, `pfree(0x${p.toString(16)}) of a non-block returned true`);
      if (JSON.stringify(stats()) !== JSON.stringify(before)) fail(op, `pfree(0x${p.toString(16)}) of a non-block changed the figures`);
    } else { // free everything; the whole pool must come back as one block
      while (sh.ptrs.length) {
        const p = sh.ptrs[sh.ptrs.length - 1];
        const e = sh.onFree(sh.ptrs.length - 1);
        if (e) fail(op, e);
        if (!pfree(p)) fail(op, `pfree(0x${p.toString(16)}) of a live block returned false`);
      }
      const whole = palloc(TOTAL - HEADER);
      if (whole !== FIRST) fail(op, `after freeing everything, palloc(whole pool) = 0x${whole.toString(16)}`);
      else pfree(whole);
      sh = new MiniShadow(BASE, SIZE);
    }
    const bad = pcheck();
    if (bad !== 0) fail(op, `pcheck() = ${bad}`);
    const st = stats();
    if (st.used + st.free !== TOTAL) fail(op, `used ${st.used} + free ${st.free} != ${TOTAL}: bytes lost`);
    if (st.blocks !== sh.ptrs.length) fail(op, `pstats_blocks() = ${st.blocks}, shadow has ${sh.ptrs.length} live blocks`);
  }
  return { ops: done, failures };
}

/** A pointer that is not a live block: freed (a double free), interior, misaligned, or outside the heap; null when there is none to make. */
function badPointer(sh: MiniShadow, rnd: (n: number) => number): number | null {
  const kind = rnd(5);
  if (kind === 4) { // a double free
    const q = sh.freed[rnd(sh.freed.length + 1)];
    return q === undefined || sh.live.has(q) ? null : q;
  }
  if (kind === 3 || sh.ptrs.length === 0) return [0, BASE, BASE + 64, SENTINEL, BASE + SIZE, 0x200000, 0xfffffff8][rnd(7)];
  const p = sh.ptrs[rnd(sh.ptrs.length)];
  const size = sh.live.get(p)!.size;
  if (kind === 0) return p + 1 + rnd(7); // misaligned
  if (kind === 1) return size > 8 ? p + 8 * (1 + rnd(Math.floor((size - 1) / 8))) : null; // interior
  const q = p - HEADER - 8 * rnd(4); // inside the block before, or its header
  return sh.live.has(q) ? null : q;
}
