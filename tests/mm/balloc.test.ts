// kernel-ts/mm/balloc.ts on the host: exact addresses and figures after each step, from a fresh
// 64 KiB arena per test; the bseal panic through both executions of a small program.
import { describe, it, expect, beforeAll, beforeEach } from "vitest";
import { loadKernelWasm, type KernelWasm } from "../lib/kwasm.ts";
import { runBoth } from "../lib/harness.ts";
import { writeProgram } from "../lib/tmp.ts";

const BASE = 0x400000;
const SIZE = 0x10000;

let k: KernelWasm;
const u = (v: number) => v >>> 0;
const balloc = (size: number, align: number) => u(k.fn.balloc(size, align));
const stats = () => ({ used: u(k.fn.bstats_used()), free: u(k.fn.bstats_free()), high: u(k.fn.bstats_high_water()), failed: u(k.fn.bstats_failed()) });

beforeAll(async () => { k = await loadKernelWasm("tests/mm/balloc-harness.ts"); });
beforeEach(() => { k.fn.binit(BASE, SIZE); });

describe("balloc", () => {
  describe("binit", () => {
    it("starts with nothing used, the whole arena free and zero figures", () => {
      expect(stats()).toEqual({ used: 0, free: SIZE, high: 0, failed: 0 });
    });

    it("panics when the arena wraps past 4 GiB", () => {
      expect(() => k.fn.binit(0xffff0000 | 0, 0x20000)).toThrow(/^PANIC: binit: arena wraps past 4 GiB at /);
    });

    it("takes an arena ending just below 4 GiB, and panics for one ending at 4 GiB", () => {
      k.fn.binit(0xfffff000 | 0, 0xfff);
      expect(u(k.fn.bstats_free())).toBe(0xfff);
      expect(() => k.fn.binit(0xfffff000 | 0, 0x1000)).toThrow(/^PANIC: binit: arena wraps past 4 GiB at /);
    });
  });

  describe("balloc", () => {
    it("hands out the first block at the base and the next one right after it", () => {
      expect(balloc(10, 1)).toBe(BASE);
      expect(balloc(6, 1)).toBe(BASE + 10);
      expect(stats()).toEqual({ used: 16, free: SIZE - 16, high: 16, failed: 0 });
    });

    it("rounds the start up to the alignment, counting the padding as used", () => {
      expect(balloc(3, 1)).toBe(BASE);
      expect(balloc(4, 8)).toBe(BASE + 8);
      expect(balloc(1, 4096)).toBe(BASE + 0x1000);
      expect(stats().used).toBe(0x1001);
    });

    it("returns addresses aligned to every power of two from 1 to 32768", () => {
      for (let a = 1; a <= 0x8000; a *= 2) {
        k.fn.binit(BASE, SIZE);
        balloc(1, 1);
        const p = balloc(8, a);
        expect(p % a).toBe(0);
        expect(p).toBe(a === 1 ? BASE + 1 : BASE + a);
      }
    });

    it("fills the arena exactly, then returns 0 and counts the failure", () => {
      expect(balloc(SIZE - 8, 8)).toBe(BASE);
      expect(balloc(8, 8)).toBe(BASE + SIZE - 8);
      expect(balloc(1, 1)).toBe(0);
      expect(stats()).toEqual({ used: SIZE, free: 0, high: SIZE, failed: 1 });
    });

    it("returns 0 when the alignment padding alone passes the end", () => {
      k.fn.binit(BASE + 8, 0xff8);
      expect(balloc(1, 0x1000)).toBe(0);
      expect(stats()).toEqual({ used: 0, free: 0xff8, high: 0, failed: 1 });
    });

    it("returns 0 for sizes near 2^32 without wrapping", () => {
      balloc(1, 1);
      for (const size of [0xffffffff, 0xfffffff8, 0x100000000 - BASE, SIZE]) expect(balloc(size, 1)).toBe(0);
      expect(stats()).toEqual({ used: 1, free: SIZE - 1, high: 1, failed: 4 });
    });

    it("returns 0 when rounding the top up to the alignment wraps past 2^32", () => {
      k.fn.binit(0xffffe001 | 0, 0xffe);
      expect(balloc(1, 0x80000000)).toBe(0);
      expect(balloc(1, 0x1000)).toBe(0);
      expect(balloc(1, 8)).toBe(0xffffe008);
      expect(stats().failed).toBe(2);
    });

    it("returns 0 for size 0 and for alignments that are not powers of two", () => {
      expect(balloc(0, 8)).toBe(0);
      expect(balloc(8, 0)).toBe(0);
      expect(balloc(8, 12)).toBe(0);
      expect(balloc(8, 0xffffffff)).toBe(0);
      expect(stats()).toEqual({ used: 0, free: SIZE, high: 0, failed: 4 });
    });
  });

  describe("breset", () => {
    it("starts again at the base and keeps the high water mark and failures", () => {
      balloc(100, 1);
      balloc(SIZE, 1);
      k.fn.breset();
      expect(stats()).toEqual({ used: 0, free: SIZE, high: 100, failed: 1 });
      expect(balloc(10, 1)).toBe(BASE);
      expect(stats().high).toBe(100);
      balloc(200, 1);
      expect(stats().high).toBe(210);
    });
  });

  describe("bseal", () => {
    it("makes balloc panic with \"balloc: called after the heaps took over\"", () => {
      expect(balloc(8, 8)).toBe(BASE);
      k.fn.bseal();
      expect(() => balloc(8, 8)).toThrow(/^PANIC: balloc: called after the heaps took over at /);
      expect(stats().used).toBe(8);
    });

    it("lets binit start a new arena afterwards", () => {
      k.fn.bseal();
      k.fn.binit(BASE, SIZE);
      expect(balloc(8, 8)).toBe(BASE);
    });

    it("names the caller's line in the panic's backtrace, under V8 and the kernel VM alike", async () => {
      const file = writeProgram("mm/sealed.ts", [
        'import { binit, balloc, bseal } from "kernel-ts/mm/balloc";',
        "export function kmain(): void {",
        "  binit(0x400000, 0x1000);",
        "  bseal();",
        "  balloc(16, 8); // line 5",
        "}",
        "",
      ].join("\n"));
      const { wasm, kbc } = await runBoth(file);
      expect(wasm).toEqual(kbc);
      expect(wasm.code).toBe(3);
      expect(wasm.stdout).toMatch(/^PANIC: balloc: called after the heaps took over at ~lib\/kernel-ts\/mm\/balloc\.ts:\d+\n  at ballocSealed \(~lib\/kernel-ts\/mm\/balloc\.ts:\d+\)\n  at kmain \(sealed\.ts:5\)\n$/);
    });
  });
});
