// tests/lib/shadow.ts: the shadow model and fuzz driver pass a correct allocator and catch each
// kind of broken one. The allocators here are toys in JS (first fit over a list of free ranges,
// no headers), each with one deliberate bug.
import { describe, it, expect } from "vitest";
import { Shadow, Byte, fuzz, type FuzzTarget } from "./shadow.ts";

const BASE = 0x1000;
const SIZE = 0x10000;

type Bug = "none" | "overlap" | "misaligned" | "outside" | "damage" | "doubleFree" | "leak" | "realloc" | "stats";

/** A first-fit allocator over [BASE, BASE + SIZE) of `mem`, with `bug` planted. */
function toy(mem: Uint8Array, bug: Bug): FuzzTarget {
  let free: [number, number][] = [[BASE, BASE + SIZE]];
  const live = new Map<number, [number, number, number]>(); // ptr -> [start, end), alignment
  let used = 0;
  const up = (x: number, a: number) => Math.ceil(x / a) * a;
  const take = (size: number, align: number): number => {
    const need = up(Math.max(size, 1), 8);
    if (bug === "outside" && live.size === 3) { live.set(BASE + SIZE, [BASE + SIZE, BASE + SIZE + need, 8]); return BASE + SIZE; }
    for (let i = 0; i < free.length; i++) {
      const [s, e] = free[i];
      const p = bug === "misaligned" ? s : up(s, Math.max(align, 8));
      if (p + need > e) continue;
      const rest = bug === "overlap" && live.size % 7 === 6 ? p + need - 8 : p + need; // the bug hands 8 bytes out twice
      free.splice(i, 1, ...([[s, p], [rest, e]] as [number, number][]).filter(([x, y]) => y > x));
      live.set(p, [p, p + need, align]);
      used += need;
      return p;
    }
    return 0;
  };
  const give = (p: number) => {
    const [s, e] = live.get(p)!;
    live.delete(p);
    used -= e - s;
    if (s >= BASE + SIZE) return;
    if (bug === "overlap" && free.some(([x, y]) => x < e && s < y)) return; // (its bytes are partly listed already)
    if (bug === "damage" && live.size % 5 === 0) mem[e] ^= 0x55;
    if (bug === "leak" && live.size % 9 === 0) return;
    free.push([s, e]);
    free.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of free) {
      const last = merged[merged.length - 1];
      if (last && last[1] >= r[0]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    free = merged;
  };
  return {
    alloc: take,
    free: (p) => {
      if (!live.has(p)) return bug === "doubleFree" && p !== 0 && p % 8 === 0 && p >= BASE && p < BASE + SIZE;
      give(p);
      return true;
    },
    check: () => 0,
    blockSize: (p) => (live.has(p) ? live.get(p)![1] - p : 0),
    realloc: (p, size) => {
      const old = live.get(p)!;
      const q = take(size, old[2]);
      if (q === 0) return 0;
      if (bug !== "realloc") mem.copyWithin(q, p, p + Math.min(size, old[1] - p));
      give(p);
      return q;
    },
    stats: () => ({ used: bug === "stats" ? used + (live.size > 40 ? 8 : 0) : used, free: SIZE - used, blocks: live.size }),
  };
}

function run(bug: Bug, ops = 20_000) {
  const mem = new Uint8Array(BASE + 2 * SIZE + 0x1000);
  const shadow = new Shadow(BASE, SIZE, mem);
  return fuzz(toy(mem, bug), shadow, { ops, seed: 1234, whole: { size: SIZE }, foreign: [BASE - 8, BASE + SIZE] });
}

describe("shadow", () => {
  describe("Shadow", () => {
    it("tracks every byte as Free, Used or Invalid", () => {
      const sh = new Shadow(BASE, 64);
      expect([sh.state(BASE - 1), sh.state(BASE), sh.state(BASE + 64)]).toEqual([Byte.Invalid, Byte.Free, Byte.Invalid]);
      expect(sh.onAlloc(BASE + 8, 16, 8)).toBeNull();
      expect(sh.state(BASE + 8)).toBe(Byte.Used);
      expect(sh.onAlloc(BASE + 16, 8, 8)).toMatch(/overlaps a live block/);
      expect(sh.onAlloc(BASE + 60, 8, 4)).toMatch(/outside the pools/);
      expect(sh.onAlloc(BASE + 36, 8, 8)).toMatch(/misaligned/);
      sh.addPool(BASE + 64, 64); // touching: one region
      expect(sh.onAlloc(BASE + 56, 16, 8)).toBeNull();
      sh.reserve(BASE + 120, 8);
      expect(sh.onAlloc(BASE + 112, 16, 8)).toMatch(/outside the pools/);
      expect(sh.onFree(BASE + 8)).toBeNull();
      expect(sh.check().length).toBe(4); // the four failures above, no new ones
    });

    it("verifies payload tags on free and contents on realloc", () => {
      const mem = new Uint8Array(0x2000);
      const sh = new Shadow(BASE, 0x100, mem);
      sh.onAlloc(BASE, 32, 8);
      mem[BASE + 31] ^= 1;
      expect(sh.onFree(BASE)).toMatch(/payload damaged at \+31/);
      sh.onAlloc(BASE, 32, 8);
      mem.copyWithin(BASE + 64, BASE, BASE + 16); // only half copied
      expect(sh.onRealloc(BASE, BASE + 64, 32)).toMatch(/contents lost at \+16/);
    });
  });

  describe("fuzz", () => {
    it("passes a correct allocator", () => {
      const r = run("none");
      expect(r.failures).toEqual([]);
      expect(r.counts.alloc).toBeGreaterThan(5000);
    });

    it.each([
      ["overlap", /overlaps a live block/],
      ["misaligned", /misaligned/],
      ["outside", /outside the pools|covers bytes outside/],
      ["damage", /payload damaged/],
      ["doubleFree", /of a non-block returned true/],
      ["leak", /bytes lost/],
      ["realloc", /contents lost/],
      ["stats", /bytes lost/],
    ] as [Bug, RegExp][])("catches a broken allocator: %s", (bug, why) => {
      const r = run(bug);
      expect(r.failures.length).toBeGreaterThan(0);
      expect(r.failures.join("\n")).toMatch(why);
    });
  });
});
