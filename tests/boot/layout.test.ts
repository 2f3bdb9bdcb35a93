// The guest image's layout rules (DESIGN §5): interpreter hot code in at most 3 contiguous pages,
// no writable byte on a code page, every branch landing on an instruction start.
import { describe, it, expect, beforeAll } from "vitest";
import iced from "iced-x86";
import { buildImage, type Image } from "../../boot/image.ts";
import { EAX_CONSUMERS, PAGED_TWIN } from "../../boot/vm.ts";
import { HOLE_KINDS, BYTE_HOLES } from "../../boot/stencil.ts";
import { OPCODES } from "../../toolchain/kbc/opcodes.ts";

const { Decoder, DecoderOptions, FlowControl } = iced;
const PAGE = 4096;
const page = (a: number) => Math.floor(a / PAGE);

let img: Image;
beforeAll(async () => { img = await buildImage("tests/corpus/arith_add.ts"); });

describe("boot › image layout", () => {
  it("keeps the interpreter's hot code within 3 contiguous pages (12 KiB)", () => {
    const start = img.labels.get("hot_start")!, end = img.labels.get("hot_end")!;
    expect(end - start).toBeLessThanOrEqual(3 * PAGE);
    expect(page(end - 1) - page(start)).toBeLessThanOrEqual(2);
    for (const o of OPCODES) {
      const a = img.labels.get(`op_${o.name}`)!;
      expect(a >= start && a < end, `handler ${o.name} at 0x${a.toString(16)}`).toBe(true);
    }
  });

  it("puts no writable byte on a page holding code", () => {
    const { text, data, bss, segments } = img.layout;
    const codePages = new Set<number>();
    for (let a = text.base; a < text.base + text.size; a += PAGE) codePages.add(page(a));
    codePages.add(page(text.base + text.size - 1));
    const writable: [number, number][] = [[data.base, data.size], [bss.base, bss.end - bss.base], ...segments.map((s) => [s.addr, s.size] as [number, number])];
    for (const [base, size] of writable) {
      for (let p = page(base); p <= page(base + Math.max(size, 1) - 1); p++) expect(codePages.has(p), `writable page 0x${(p * PAGE).toString(16)}`).toBe(false);
    }
    // The function table and the threaded kbc code are read-only and on their own pages too.
    expect(page(img.layout.rodata.base)).toBeGreaterThan(page(text.base + text.size - 1));
  });

  it("decodes to instructions whose every branch lands on an instruction start", () => {
    const text = img.sections.find((s) => s.name === "text")!;
    const start = img.labels.get("hot_start")!;
    const bytes = text.bytes.subarray(start - text.base);
    const d = new Decoder(32, bytes, DecoderOptions.None);
    d.ip = BigInt(start);
    const starts = new Set<number>();
    const branches: [number, number][] = [];
    while (d.canDecode) {
      const ins = d.decode();
      const at = Number(ins.ip);
      starts.add(at);
      const fc = ins.flowControl;
      if ((fc === FlowControl.UnconditionalBranch || fc === FlowControl.ConditionalBranch || fc === FlowControl.Call) && (ins.isJmpShortOrNear || ins.isJccShortOrNear || ins.isCallNear)) {
        branches.push([at, Number(ins.nearBranchTarget)]);
      }
      expect(ins.code, `invalid instruction at 0x${at.toString(16)}`).not.toBe(0);
      ins.free();
    }
    d.free();
    expect(branches.length).toBeGreaterThan(100);
    for (const [at, to] of branches) expect(starts.has(to), `branch at 0x${at.toString(16)} to 0x${to.toString(16)}`).toBe(true);
    // Every handler, and every handler address in the threaded code, is an instruction start.
    for (const o of OPCODES) expect(starts.has(img.labels.get(`op_${o.name}`)!)).toBe(true);
    const rodata = img.sections.find((s) => s.name === "rodata")!;
    const code = img.labels.get("kbc_code")! - rodata.base;
    const dv = new DataView(rodata.bytes.buffer, rodata.bytes.byteOffset);
    // A backward branch is a safe point: its `_sp` handler, and its function's frame slots at +6.
    let backward = 0, forwarded = 0;
    const targets = new Set<number>();
    for (const f of img.kbc.functions) {
      for (let pc = f.start; pc < f.start + f.length; pc++) {
        const w = img.kbc.code[2 * pc], op = OPCODES[w & 0xff];
        const target = op.format[3] === "t" ? pc + 1 + img.kbc.code[2 * pc + 1] : op.format[1] === "s" ? pc + 1 + (w >> 16) : Infinity;
        const sp = op.name !== "BRTABLE" && target <= pc;
        backward += sp ? 1 : 0;
        const handler = dv.getUint32(code + 16 * pc, true);
        const base = `op_${op.name}${sp ? "_sp" : ""}`;
        if (handler === img.labels.get(base + "_e")) {
          // Operand forwarding: only right after an instruction that wrote the slot it reads first.
          forwarded++;
          const prev = img.kbc.code[2 * (pc - 1)], field = EAX_CONSUMERS.get(op.name);
          expect(pc > f.start, `forwarded at a function start ${pc}`).toBe(true);
          expect(OPCODES[prev & 0xff].doc.startsWith("R[A] :="), `producer before ${pc}`).toBe(true);
          expect((prev >>> 8) & 0xff).toBe(field === "A" ? (w >>> 8) & 0xff : (w >>> 16) & 0xff);
          targets.add(-1 - pc); // checked against the branch targets below
        } else expect(handler, `threaded instruction ${pc}`).toBe(img.labels.get(base));
        if (sp) expect(dv.getUint16(code + 16 * pc + 6, true), `frame size at ${pc}`).toBe(f.frameSize);
        if (target !== Infinity) targets.add(target);
      }
    }
    expect(backward).toBeGreaterThan(0);
    expect(forwarded).toBeGreaterThan(0);
    for (const t of targets) if (t < 0) expect(targets.has(-1 - t), `forwarded instruction ${-1 - t} is a branch target`).toBe(false);
    expect(starts.has(img.labels.get("op_IRQRET")!)).toBe(true);
  });

  it("is a Multiboot v1 ELF32 asking for the memory map", () => {
    const e = img.elf, dv = new DataView(e.buffer, e.byteOffset);
    expect([...e.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(dv.getUint16(18, true)).toBe(3); // EM_386
    const hdr = 0x1000; // the text section's first bytes
    expect(dv.getUint32(hdr, true)).toBe(0x1badb002);
    expect(dv.getUint32(hdr + 4, true)).toBe(2);
    expect((dv.getUint32(hdr, true) + dv.getUint32(hdr + 4, true) + dv.getUint32(hdr + 8, true)) >>> 0).toBe(0);
  });
});

describe("boot › image layout with the compiling tier (--jit lazy)", () => {
  let jimg: Image;
  beforeAll(async () => { jimg = await buildImage("tests/corpus/arith_add.ts", { jit: "lazy" }); });

  it("places the JIT region page-aligned inside the read-only part, before any writable byte", () => {
    const { jit, data, bss, rodata } = jimg.layout;
    expect(jit).toBeDefined();
    const j = jit!;
    expect(j.base % PAGE).toBe(0);
    expect(j.area % PAGE).toBe(0);
    expect(j.end % PAGE).toBe(0);
    expect(j.base).toBeGreaterThanOrEqual(rodata.base + rodata.size);
    expect(j.end).toBeLessThanOrEqual(data.base);
    expect(bss.base).toBeGreaterThan(j.end);
    // image_layout: [text, data_start) read-only holds the region; then jit_base, jit_end, the alias.
    const ro = jimg.sections.find((s) => s.name === "rodata")!;
    const at = jimg.labels.get("image_layout")! - ro.base;
    const words = [...new Uint32Array(ro.bytes.slice(at, at + 28).buffer)];
    expect(words[1]).toBe(data.base);
    expect(words.slice(4)).toEqual([j.base, j.end, j.alias]);
    expect(j.alias).toBeGreaterThanOrEqual(0xe0000000); // above the kernel's pool and heap ranges
  });

  it("has a stencil for every handler variant the threaded code uses, and room for every function compiled", () => {
    const { jit } = jimg.layout;
    const ro = jimg.sections.find((s) => s.name === "rodata")!;
    const dv = new DataView(ro.bytes.buffer, ro.bytes.byteOffset);
    const table = jimg.labels.get("st_table")! - ro.base, sid = jimg.labels.get("jit_sid")! - ro.base;
    let total = 0;
    for (const f of jimg.kbc.functions) {
      let size = 0;
      for (let pc = f.start; pc < f.start + f.length; pc++) {
        const k = dv.getUint16(sid + 2 * pc, true);
        expect(k).toBeLessThan(jit!.stencils);
        const bytes = dv.getUint32(table + 16 * k + 4, true);
        // Only a CONST folded into the store after it (`_n`, `_c`) compiles to nothing.
        if (bytes === 0) expect(OPCODES[jimg.kbc.code[2 * pc] & 0xff].name, `stencil ${k} is empty`).toBe("CONST");
        // Either twin may be compiled: the larger counts.
        const twin = dv.getUint32(table + 16 * k + 12, true) & PAGED_TWIN ? dv.getUint32(table + 16 * (k + 1) + 4, true) : 0;
        size += Math.max(bytes, twin);
      }
      total += 16 + size;
    }
    expect(jit!.end - jit!.area).toBeGreaterThanOrEqual(total);
    // A stencil flagged PAGED_TWIN is followed by its twin (a load or store's `_p`, a folded back
    // edge's `_sp`), which has none.
    let twins = 0;
    for (let k = 0; k < jit!.stencils; k++) {
      if (!(dv.getUint32(table + 16 * k + 12, true) & PAGED_TWIN)) continue;
      twins++;
      expect(k + 1).toBeLessThan(jit!.stencils);
      expect(dv.getUint32(table + 16 * (k + 1) + 12, true) & PAGED_TWIN).toBe(0);
    }
    expect(twins).toBeGreaterThan(0); // the kernel loads and stores
    // No hole lies outside its stencil or overlaps another.
    const holes = jimg.labels.get("st_holes")! - ro.base;
    for (let k = 0; k < jit!.stencils; k++) {
      const size = dv.getUint32(table + 16 * k + 4, true), first = dv.getUint32(table + 16 * k + 8, true) - ro.base, n = dv.getUint32(table + 16 * k + 12, true) & 0xffff;
      expect(first).toBeGreaterThanOrEqual(holes);
      let end = 0;
      for (let h = 0; h < n; h++) {
        const word = dv.getUint32(first + 4 * h, true), off = word & 0xffff;
        const bytes = BYTE_HOLES.has(HOLE_KINDS[(word >>> 16) & 0xff]) ? 1 : 4; // an imm8; the rest are dwords
        expect(off).toBeGreaterThanOrEqual(end);
        expect(off + bytes).toBeLessThanOrEqual(size);
        end = off + bytes;
      }
    }
  });

  it("keeps the interpreter's hot code within 3 pages with the compiling tier's handlers too", () => {
    expect(jimg.layout.text.hotSize).toBeLessThanOrEqual(3 * PAGE);
  });
});
