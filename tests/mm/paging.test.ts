// kernel-ts/mm/paging.ts on the host: the tables it writes, entry by entry (the host has no MMU;
// tests/boot/paging.test.ts switches them on in the guest).
import { describe, it, expect, beforeAll, beforeEach } from "vitest";
import { loadKernelWasm, type KernelWasm } from "../lib/kwasm.ts";

const ARENA = 0x400000, UNMAPPED = 0xffffffff, P = 1, W = 2, U = 4;
let k: KernelWasm;
const u = (v: number) => v >>> 0;
const word = (a: number) => new DataView(k.mem.buffer).getUint32(a, true);

beforeAll(async () => { k = await loadKernelWasm("tests/mm/paging-harness.ts"); });
beforeEach(() => { k.fn.binit(ARENA, 0x40000); expect(k.fn.paging_init_balloc()).toBe(1); });

describe("paging", () => {
  it("puts the directory in a fresh zeroed page", () => {
    const pd = u(k.fn.paging_directory());
    expect(pd).toBe(ARENA);
    for (let i = 0; i < 1024; i++) expect(word(pd + 4 * i)).toBe(0);
  });

  describe("map", () => {
    it("writes the PDE (table, P|W|U) and the PTE (frame, P + flags)", () => {
      expect(k.fn.map(0xc0001000, 0x00800000, W)).toBe(1);
      const pd = ARENA, table = ARENA + 0x1000;
      expect(u(word(pd + 4 * 0x300))).toBe(table | P | W | U);
      expect(u(word(table + 4 * 1))).toBe(0x800000 | P | W);
      expect(u(k.fn.translate(0xc0001abc))).toBe(0x800abc);
      expect(k.fn.page_flags(0xc0001000)).toBe(P | W);
    });
    it("refuses misaligned addresses and a page already mapped, changing nothing", () => {
      expect(k.fn.map(0xc0001004, 0x800000, W)).toBe(0);
      expect(k.fn.map(0xc0001000, 0x800010, W)).toBe(0);
      expect(k.fn.map(0xc0001000, 0x800000, 0)).toBe(1);
      expect(k.fn.map(0xc0001000, 0x900000, W)).toBe(0);
      expect(u(k.fn.translate(0xc0001000))).toBe(0x800000);
      expect(k.fn.page_flags(0xc0001000)).toBe(P);
    });
    it("maps a range page by page, one table per 4 MiB", () => {
      expect(k.fn.map_range(0x3ff000, 0x3ff000, 0x3000, W)).toBe(1); // crosses a 4 MiB boundary
      for (const a of [0x3ff000, 0x400000, 0x401000]) expect(u(k.fn.translate(a + 5))).toBe(a + 5);
      expect(u(k.fn.translate(0x402000))).toBe(UNMAPPED);
      expect(word(ARENA + 4 * 0) & P).toBe(P);
      expect(word(ARENA + 4 * 1) & P).toBe(P);
    });
    it("maps a range over whole tables with the same entries map() writes, and stops at a page already mapped", () => {
      expect(k.fn.map_range(0xbfffe000, 0x1000000, 0x402000 + 1, U)).toBe(1); // 1,027 pages: tails of 3 tables
      expect(u(k.fn.translate(0xbfffe000))).toBe(0x1000000);
      expect(u(k.fn.translate(0xc03ff123))).toBe(0x1000000 + 0x401123);
      expect(u(k.fn.translate(0xc0400000))).toBe(0x1000000 + 0x402000);
      expect(u(k.fn.translate(0xc0401000))).toBe(UNMAPPED);
      expect(k.fn.page_flags(0xc0000000)).toBe(P | U);
      expect(k.fn.map(0x9000, 0x9000, W)).toBe(1);
      expect(k.fn.map_range(0x7000, 0x7000, 0x4000, W)).toBe(0); // 0x9000 is taken: stop there
      expect(u(k.fn.translate(0x8000))).toBe(0x8000); // the pages before it stay mapped
      expect(u(k.fn.translate(0xa000))).toBe(UNMAPPED);
      expect(k.fn.map_range(0x7004, 0x7000, 0x1000, W)).toBe(0); // misaligned
    });
    it("fails when no page is left for a table", () => {
      k.fn.binit(ARENA, 0x1000); // room for the directory only
      expect(k.fn.paging_init_balloc()).toBe(1);
      expect(k.fn.map(0x1000, 0x1000, W)).toBe(0);
    });
  });

  describe("unmap and translate", () => {
    it("unmaps a mapped page and refuses an unmapped one", () => {
      k.fn.map(0x5000, 0x6000, W);
      expect(k.fn.unmap(0x5000)).toBe(1);
      expect(u(k.fn.translate(0x5000))).toBe(UNMAPPED);
      expect(k.fn.unmap(0x5000)).toBe(0);
      expect(k.fn.unmap(0x80000000)).toBe(0);
      expect(k.fn.page_flags(0x5000)).toBe(0);
    });
    it("translates nothing before a page is mapped, page 0 included", () => {
      for (const a of [0, 0x1000, 0xfffff000]) expect(u(k.fn.translate(a))).toBe(UNMAPPED);
    });
  });
});
