// kernel-ts/mm/frames.ts on the host: the frame bitmap built from a Multiboot memory map with
// holes, exact first frames, every kind of bad free, exhaustion, and the checker.
import { describe, it, expect, beforeAll, beforeEach } from "vitest";
import { loadKernelWasm, type KernelWasm } from "../lib/kwasm.ts";

const INFO = 0x7c00, MAP = INFO + 116;
const ARENA = 0x300000, ARENA_SIZE = 0x10000, RESERVE_END = ARENA + ARENA_SIZE;
// [0, 0x9FC00) available, [1 MiB, 8 MiB) available, [8 MiB, 9 MiB) reserved, [9 MiB, 10 MiB) available
const REGIONS: [number, number, number][] = [[0, 0x9fc00, 1], [0x100000, 0x700000, 1], [0x800000, 0x100000, 2], [0x900000, 0x100000, 1]];
const FREE_B = (0x800000 - RESERVE_END) / 4096, FREE_D = 0x100000 / 4096;

let k: KernelWasm;
const u = (v: number) => v >>> 0;

function writeInfo(withMap = true, regions = REGIONS): void {
  const dv = new DataView(k.mem.buffer);
  k.mem.fill(0, INFO, MAP + 24 * regions.length);
  dv.setUint32(INFO, withMap ? 0x40 : 0, true);
  dv.setUint32(INFO + 44, 24 * regions.length, true);
  dv.setUint32(INFO + 48, MAP, true);
  regions.forEach(([base, len, type], i) => {
    const e = MAP + 24 * i;
    dv.setUint32(e, 20, true); dv.setUint32(e + 4, base, true); dv.setUint32(e + 12, len, true); dv.setUint32(e + 20, type, true);
  });
}

beforeAll(async () => { k = await loadKernelWasm("tests/mm/frames-harness.ts"); });
beforeEach(() => { writeInfo(); k.fn.binit(ARENA, ARENA_SIZE); });

describe("frames", () => {
  describe("frames_init", () => {
    it("frees the available frames above the reserved end, leaving low memory and holes out", () => {
      expect(k.fn.frames_init(INFO, RESERVE_END)).toBe(1);
      expect(k.fn.frames_total()).toBe(FREE_B + FREE_D);
      expect(k.fn.frames_free()).toBe(FREE_B + FREE_D);
      expect(k.fn.frames_check()).toBe(0);
    });
    it("frees exactly the frames of odd regions: inside one bitmap word, overlapping, unaligned, across a word boundary", () => {
      writeInfo(true, [[0x401000, 0x2000, 1], [0x402000, 0x3000, 1], [0x420800, 0x2000, 1], [0x43f000, 0x2000, 1], [0x400000, 0x100000, 2]]);
      expect(k.fn.frames_init(INFO, RESERVE_END)).toBe(1);
      const want = [0x401, 0x402, 0x403, 0x404, 0x421, 0x43f, 0x440].map((f) => f * 4096);
      expect(k.fn.frames_total()).toBe(want.length);
      expect(k.fn.frames_check()).toBe(0);
      const got = want.map(() => u(k.fn.frame_alloc())).sort((a, b) => a - b);
      expect(got).toEqual(want);
      expect(u(k.fn.frame_alloc())).toBe(0);
    });
    it("leaves the bitmap's own frames out when it lies in an available region", () => {
      expect(k.fn.frames_init(INFO, 0x100000)).toBe(1); // the bitmap (at ARENA, from balloc) is now above the reserved end
      expect(k.fn.frames_total()).toBe(FREE_B + FREE_D + (RESERVE_END - 0x100000) / 4096 - 1);
      const seen = new Set<number>();
      for (let pa = u(k.fn.frame_alloc()); pa !== 0; pa = u(k.fn.frame_alloc())) seen.add(pa);
      expect(seen.has(ARENA)).toBe(false);
      expect(seen.has(ARENA + 0x1000)).toBe(true);
    });
    it("frames_check counts a free frame it does not manage, and a count that disagrees", () => {
      k.fn.frames_init(INFO, RESERVE_END);
      k.mem[ARENA] &= ~2; // the used bitmap starts at ARENA: frame 1 (low memory) marked free behind its back
      expect(k.fn.frames_check()).toBe(2);
    });
    it("fails without a memory map", () => {
      writeInfo(false);
      expect(k.fn.frames_init(INFO, RESERVE_END)).toBe(0);
    });
    it("fails when balloc cannot hold the bitmap", () => {
      k.fn.binit(ARENA, 64);
      expect(k.fn.frames_init(INFO, RESERVE_END)).toBe(0);
    });
  });

  describe("frame_alloc", () => {
    it("hands out the lowest free frames first, then the region above the hole, then 0", () => {
      k.fn.frames_init(INFO, RESERVE_END);
      expect(u(k.fn.frame_alloc())).toBe(RESERVE_END);
      expect(u(k.fn.frame_alloc())).toBe(RESERVE_END + 0x1000);
      const seen = new Set<number>([RESERVE_END, RESERVE_END + 0x1000]);
      for (let i = 2; i < FREE_B + FREE_D; i++) {
        const pa = u(k.fn.frame_alloc());
        expect(pa % 4096).toBe(0);
        expect(pa >= RESERVE_END && (pa < 0x800000 || (pa >= 0x900000 && pa < 0xa00000)), pa.toString(16)).toBe(true);
        seen.add(pa);
      }
      expect(seen.size).toBe(FREE_B + FREE_D);
      expect(u(k.fn.frame_alloc())).toBe(0);
      expect(k.fn.frames_free()).toBe(0);
      expect(k.fn.frames_check()).toBe(0);
    });
  });

  describe("frame_free", () => {
    it("takes back an allocated frame, which is handed out again", () => {
      k.fn.frames_init(INFO, RESERVE_END);
      const a = u(k.fn.frame_alloc());
      expect(k.fn.frame_free(a)).toBe(1);
      expect(k.fn.frames_free()).toBe(FREE_B + FREE_D);
      expect(u(k.fn.frame_alloc())).toBe(a);
    });
    it("refuses every bad free and changes nothing", () => {
      k.fn.frames_init(INFO, RESERVE_END);
      const a = u(k.fn.frame_alloc());
      const before = k.fn.frames_free();
      for (const bad of [a + 8, 0x1000, 0x90000, ARENA, 0x800000, 0x9ff000 + 0x2000, 0xfffff000, RESERVE_END + 0x2000]) {
        expect(k.fn.frame_free(bad), bad.toString(16)).toBe(0);
      }
      expect(k.fn.frame_free(a)).toBe(1);
      expect(k.fn.frame_free(a), "double free").toBe(0);
      expect(k.fn.frames_free()).toBe(before + 1);
      expect(k.fn.frames_check()).toBe(0);
    });
  });
});
