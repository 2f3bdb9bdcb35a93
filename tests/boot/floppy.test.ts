// The floppy boot (boot/floppy.ts): the image's sectors and the loader's table checked against the
// ELF, bad kernels refused with one line; the kernel booted from the floppy through SeaBIOS in v86
// and through QEMU's BIOS, to its prompt and its heap figures; the Multiboot info the loader left;
// a reset that runs the BIOS again; a disk read error; and `kt build --floppy` / `kt boot --floppy`
// as a user runs them.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildFloppy, readTable, FLOPPY_BYTES, FLOPPY_SECTORS, SECTOR, INFO_ADDR, INFO_FLAGS, LOADER_NAME, type Floppy } from "../../boot/floppy.ts";
import { writeElf } from "../../boot/elf.ts";
import { Section, assemble, m16, ref } from "../../boot/asm.ts";
import { assemble16, checkFarJumps } from "../../boot/asm16.ts";
import { Machine, SEABIOS_PATH } from "../../emulator/machine.ts";
import { bootQemu } from "../../emulator/qemu.ts";
import { entryImage } from "../../emulator/image-cache.ts";
import { KtError } from "../../toolchain/errors.ts";
import { toolChecks } from "../lib/tools.ts";
import { qemuChecks } from "../lib/guest.ts";
import { tinyImage } from "../lib/tiny-image.ts";
import { MARK_PORT } from "../../toolchain/kbc/opcodes.ts";
import { kt } from "../lib/kt.ts";

const PROMPT = /([^]*?)kt> /;
const LOADER_LINE = /^kernel-ts floppy loader: (\d+) sectors$/m;
const HEAP = /^heap\r?\nballoc: \d+ bytes used[^\n]*\npalloc: pool 0xc0000000, \d+ used[^\n]*\ntlsf: heap 0xd0000000\.\.0x[0-9a-f]{8} \(limit 0xe0000000\), \d+ used[^\n]*\n$/;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kt-floppy-"));
const oneLine = (s: string) => s.trimEnd().split("\n").length === 1;

/**
 * Whether to run the v86 floppy boots: they need SeaBIOS's bios.bin (KT_SEABIOS, else Debian's
 * path). In CI its absence is an error; elsewhere the checks are left out with the reason printed.
 */
function seabiosChecks(suite: string): boolean {
  const file = process.env.KT_SEABIOS || SEABIOS_PATH;
  return toolChecks(suite, { name: `SeaBIOS (${file})`, present: fs.existsSync(file), install: "apt-get install seabios, or set KT_SEABIOS", checks: "v86 floppy boots" });
}
const bios = () => fs.readFileSync(process.env.KT_SEABIOS || SEABIOS_PATH);

/** The PT_LOAD program headers of an ELF32, read independently of boot/floppy.ts. */
function loadSegments(elf: Uint8Array) {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = dv.getUint32(28, true), n = dv.getUint16(44, true);
  return Array.from({ length: n }, (_, i) => phoff + 32 * i).filter((p) => dv.getUint32(p, true) === 1)
    .map((p) => ({ offset: dv.getUint32(p + 4, true), paddr: dv.getUint32(p + 12, true), filesz: dv.getUint32(p + 16, true), memsz: dv.getUint32(p + 20, true) }))
    .filter((s) => s.memsz > 0);
}

/** A Multiboot ELF whose first segment (at `addr`) starts with a header of `flags`, `size` bytes long. */
function fakeKernel(opts: { flags?: number; addr?: number; size?: number; magic?: number } = {}): Uint8Array {
  const { flags = 2, addr = 0x100000, size = 4096, magic = 0x1badb002 } = opts;
  const text = new Uint8Array(size);
  const dv = new DataView(text.buffer);
  dv.setUint32(0, magic, true); dv.setUint32(4, flags, true); dv.setUint32(8, (-(magic + flags)) >>> 0, true);
  return writeElf([{ addr, bytes: text, flags: "rx" }], addr + 12);
}

/** The error message buildFloppy throws for `elf` (a KtError), or "" when it builds. */
function refusal(elf: Uint8Array): string {
  try { buildFloppy(elf, "k.elf"); return ""; } catch (e) { expect(e).toBeInstanceOf(KtError); return (e as Error).message; }
}

let elf: Uint8Array;
let floppy: Floppy;
beforeAll(async () => {
  elf = await entryImage("kernel-ts/main.ts");
  floppy = buildFloppy(elf, "main.elf");
}, 120_000);

describe("floppy › the image", () => {
  it("is 1,474,560 bytes: the boot sector ending in 0x55 0xAA, the loader, then the ELF byte for byte", () => {
    const { bytes, table } = floppy;
    expect(bytes.length).toBe(1_474_560);
    expect(FLOPPY_BYTES).toBe(FLOPPY_SECTORS * SECTOR);
    expect([bytes[510], bytes[511]]).toEqual([0x55, 0xaa]);
    expect(table.kernelLba).toBe(1 + floppy.loaderSectors);
    expect(table.kernelSectors).toBe(Math.ceil(elf.length / SECTOR));
    expect(floppy.usedSectors).toBe(1 + floppy.loaderSectors + table.kernelSectors);
    expect(Buffer.from(bytes.subarray(table.kernelLba * SECTOR, table.kernelLba * SECTOR + elf.length)).equals(Buffer.from(elf))).toBe(true);
    expect(bytes.subarray(floppy.usedSectors * SECTOR).every((b) => b === 0)).toBe(true);
    expect(floppy.tableOffset).toBeGreaterThanOrEqual(SECTOR);
    expect(floppy.tableOffset).toBeLessThan(table.kernelLba * SECTOR);
  });

  it("gives the loader a table matching the ELF's loadable segments, its entry, and a stage above them all", () => {
    const t = readTable(floppy.bytes, floppy.tableOffset);
    expect(t).toEqual(floppy.table);
    expect(t.segments).toEqual(loadSegments(elf));
    expect(t.entry).toBe(new DataView(elf.buffer, elf.byteOffset).getUint32(24, true));
    const end = Math.max(...t.segments.map((s) => s.paddr + s.memsz));
    expect(t.stage % 4096).toBe(0);
    expect(t.stage).toBeGreaterThanOrEqual(end);
    expect(t.stage - end).toBeLessThan(4096);
    expect(t.needKiB * 1024).toBeGreaterThanOrEqual(t.stage + t.kernelSectors * SECTOR - 0x100000);
  });

  it("lists the boot sector and the loader: 16-bit code at 0x7C00 and 0x8000, then 32-bit code", () => {
    const l = floppy.listing();
    expect(l).toMatch(/^; section boot_sector at 0x7c00 \(\d+ bytes, 16-bit\)$/m);
    expect(l).toMatch(/^; section loader16 at 0x8000 \(\d+ bytes, 16-bit\)$/m);
    expect(l).toMatch(/^; section loader32 at 0x[0-9a-f]+ \(\d+ bytes, 32-bit\)$/m);
    for (const step of ["read_sectors", "a20_enable", "memory_size", "e820_map", "load_kernel", "copy_up", "pm_start"]) expect(l).toMatch(new RegExp(`^${step}:$`, "m"));
    expect(l).toMatch(/^ {2}00007c[0-9a-f]{2} {2}cd13 +int 13h$/m);
  });
});

describe("floppy › the 16-bit assembler (boot/asm16.ts)", () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

  it("encodes real-mode forms: 16-bit operands bare, 32-bit ones prefixed, labels as imm16/disp16, branches rel16", () => {
    const s = new Section("t", 0x7c00);
    s.label("top").i("mov", "ax", 0x1234).i("mov", "eax", 1).i("mov", "si", ref("data")).i("mov", "ax", m16({ disp: ref("data") }));
    s.i("int", 0x13).jcc("ne", "top").call("top").i("ret").label("data").bytes([0xaa, 0x55]);
    const { sections, labels } = assemble16([s]);
    expect(labels.get("data")).toBe(0x7c1a);
    expect(hex(sections[0].bytes)).toBe("b83412" + "66b801000000" + "be1a7c" + "8b061a7c" + "cd13" + "0f85eaff" + "e8e7ff" + "c3" + "aa55");
  });

  it("refuses an undefined label and a branch into the middle of an instruction", () => {
    const s = new Section("t", 0x7c00);
    s.jmp("nowhere");
    expect(() => assemble16([s])).toThrow(/^undefined label nowhere$/);
    const t = new Section("t", 0x7c00);
    t.label("a").i("mov", "ax", 1).jmp("b");
    expect(() => assemble16([t], new Map([["b", 0x7c01]]))).toThrow(/branch at 0x7c03 targets 0x7c01, not an instruction start/);
  });

  it("checks far jumps between 16-bit and 32-bit code", () => {
    const s = new Section("t", 0x7c00);
    s.label("a").farJmp(0x08, "b");
    const bad = assemble16([s], new Map([["b", 0x7c02]]));
    expect(() => checkFarJumps([{ section: bad.sections[0], bitness: 16 }])).toThrow(/far jump at 0x7c00 targets 0x7c02, not an instruction start/);
    const good = assemble16([s], new Map([["b", 0x7c00]]));
    expect(() => checkFarJumps([{ section: good.sections[0], bitness: 16 }])).not.toThrow();
  });
});

describe("floppy › bad kernels get one line", () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ["no Multiboot header", () => fakeKernel({ magic: 0x12345678 }), /^k\.elf: not a Multiboot image: no Multiboot header \(magic 0x1BADB002 and checksum\) in its first 8 KiB$/],
    ["the a.out kludge", () => fakeKernel({ flags: 0x10002 }), /^k\.elf: Multiboot images with the a\.out kludge \(flag bit 16\) are not supported; write an ELF$/],
    ["a video mode", () => fakeKernel({ flags: 0x6 }), /^k\.elf: the image asks for a video mode \(Multiboot flag bit 2\), which the floppy loader does not set$/],
    ["not an ELF", () => fakeKernel().subarray(4096), /^k\.elf: not an ELF32 i386 executable$/],
    ["a segment below 1 MiB", () => fakeKernel({ addr: 0x8000 }), /^k\.elf: segment 0 at 0x8000 is below 1 MiB, where the floppy loader and the BIOS live$/],
    ["overlapping segments", () => { const k = fakeKernel(); return writeElf([{ addr: 0x100000, bytes: k.subarray(4096), flags: "rx" }, { addr: 0x100800, bytes: new Uint8Array(16), flags: "rw" }], 0x10000c); },
      /^k\.elf: segments at 0x100000 and 0x100800 overlap$/],
    ["an entry outside every segment", () => writeElf([{ addr: 0x100000, bytes: fakeKernel().subarray(4096), flags: "rx" }], 0x200000), /^k\.elf: the entry 0x200000 is outside every loaded segment$/],
    ["too big for the floppy", () => fakeKernel({ size: 1_500_000 }), /^k\.elf: too big for a 1\.44 MB floppy: \d+ bytes need \d+ sectors; with the boot sector and the loader \(\d+\) that is \d+ of 2880$/],
  ];
  for (const [name, make, re] of cases) {
    it(name, () => {
      const msg = refusal(make());
      expect(msg).toMatch(re);
      expect(oneLine(msg)).toBe(true);
    });
  }

  it("a kernel that just fits builds; 4 KiB more is refused", () => {
    const loader = buildFloppy(fakeKernel(), "k.elf").loaderSectors;
    // writeElf's file: a page of headers, then the segment in whole pages (8 sectors each).
    const pages = Math.floor((FLOPPY_SECTORS - 1 - loader - 8) / 8);
    const used = buildFloppy(fakeKernel({ size: pages * 4096 }), "k.elf").usedSectors;
    expect(used).toBeLessThanOrEqual(FLOPPY_SECTORS);
    expect(used).toBeGreaterThan(FLOPPY_SECTORS - 8);
    expect(refusal(fakeKernel({ size: (pages + 1) * 4096 }))).toMatch(/too big for a 1\.44 MB floppy/);
  });
});

describe("floppy › v86 with SeaBIOS", () => {
  let m: Machine | undefined;
  afterAll(async () => { await m?.stop(); });

  it("boots the kernel from the floppy: the loader's line, the kernel's boot log, the prompt, and heap's figures", async () => {
    if (!seabiosChecks("floppy")) return;
    const t0 = performance.now();
    m = await Machine.bootFloppy(floppy.bytes, { bios: bios(), memoryMB: 64 });
    await m.expect(PROMPT, 60_000);
    console.log(`floppy boot (v86, SeaBIOS): ${m.instructions()} guest instructions, ${Math.round(performance.now() - t0)} ms to the prompt`);
    const out = m.output();
    expect(Number(LOADER_LINE.exec(out)?.[1])).toBe(floppy.table.kernelSectors);
    expect(out.indexOf("kernel-ts floppy loader:")).toBe(0); // SeaBIOS writes nothing to COM1 before it
    for (const stage of [/^memory map:$/m, /^frames: \d+ free of \d+ \(4 KiB\)$/m, /^selftest: 15 passed, 0 failed$/m]) expect(out).toMatch(stage);
    expect(out.endsWith("kernel-ts shell: type help\nkt> ")).toBe(true);
    m.send("heap\r");
    expect((await m.expect(PROMPT, 30_000))[1]).toMatch(HEAP);
    expect(m.heapMap()?.tlsf.complete).toBe(true); // the heap-map port works behind the BIOS's fw_cfg ports
  }, 90_000);

  it("left a Multiboot info block: flags, memory sizes, boot drive, the BIOS's memory map, its name", () => {
    if (!m) return; // no SeaBIOS: reported above
    const info = m.readPhys(INFO_ADDR, 128), dv = new DataView(info.buffer);
    expect(dv.getUint32(0, true)).toBe(INFO_FLAGS);
    expect(dv.getUint32(4, true)).toBeGreaterThanOrEqual(600); // KiB below 640 KiB
    expect(dv.getUint32(8, true)).toBe(63 * 1024);            // KiB from 1 MiB to the top of 64 MiB
    expect(dv.getUint32(12, true)).toBe(0x00ffffff);           // drive 0 (A:), no partition
    const name = m.readPhys(dv.getUint32(64, true), LOADER_NAME.length + 1);
    expect(Buffer.from(name).toString("latin1")).toBe(LOADER_NAME + "\0");
    const len = dv.getUint32(44, true), map = m.readPhys(dv.getUint32(48, true), len), mv = new DataView(map.buffer);
    expect(len % 24).toBe(0);
    const entries = Array.from({ length: len / 24 }, (_, i) => ({ size: mv.getUint32(24 * i, true), base: mv.getUint32(24 * i + 4, true), length: mv.getUint32(24 * i + 12, true), type: mv.getUint32(24 * i + 20, true) }));
    expect(entries.every((e) => e.size === 20)).toBe(true);
    expect(entries).toContainEqual({ size: 20, base: 0, length: expect.any(Number), type: 1 });
    expect(entries.find((e) => e.base === 0x100000)).toMatchObject({ type: 1 });
  });

  it("reboot runs the BIOS again and comes back to a prompt", async () => {
    if (!m) return;
    const before = m.instructions();
    m.send("reboot\r");
    await m.expect(/rebooting\n[^]*kernel-ts floppy loader: \d+ sectors\n[^]*selftest: 15 passed, 0 failed\n[^]*kt> /, 60_000);
    expect(m.reboots).toBe(1);
    // The count goes on across the reset (v86 zeroes its own): BIOS, loader and kernel again, not 2^32 more.
    expect(m.instructions() - before).toBeGreaterThan(4_000_000);
    expect(m.instructions() - before).toBeLessThan(40_000_000);
    m.send("halt\r");
    expect(await m.exited).toBe(0);
  }, 90_000);

  it("a small kernel of one segment boots too (its output, its exit code)", async () => {
    if (!seabiosChecks("floppy")) return;
    const tiny = tinyImage({ print: "tiny\n", exitCode: 9 }).elf;
    const k = await Machine.bootFloppy(buildFloppy(tiny).bytes, { bios: bios() });
    try {
      expect(await k.exited).toBe(9);
      expect(k.output()).toBe(`kernel-ts floppy loader: ${Math.ceil(tiny.length / SECTOR)} sectors\ntiny\n`);
    } finally { await k.stop(); }
  }, 60_000);

  it("benchmark markers reach Machine.marks under SeaBIOS, which leaves their port alone", async () => {
    if (!seabiosChecks("floppy")) return;
    const s = new Section("text", 0x100000);
    s.dd(0x1badb002, 2, (-(0x1badb002 + 2)) >>> 0).label("entry");
    for (const id of [7, 8]) s.i("mov", "dx", MARK_PORT).i("mov", "eax", id).i("out", "dx", "eax");
    s.i("mov", "dx", 0xf4).i("mov", "eax", 0).i("out", "dx", "eax").label("halt").i("hlt").jmp("halt");
    const code = assemble([s]);
    const k = await Machine.bootFloppy(buildFloppy(writeElf([{ addr: 0x100000, bytes: code.sections[0].bytes, flags: "rx" }], code.labels.get("entry")!)).bytes, { bios: bios() });
    try {
      expect(await k.exited).toBe(0);
      expect(k.marks.map((x) => x.id)).toEqual([7, 8]); // none from the BIOS's POST
      expect(k.marks[1].instructions).toBeGreaterThan(k.marks[0].instructions);
    } finally { await k.stop(); }
  }, 60_000);

  it("a disk read error prints one line, on COM1 too, and stops with exit code 1", async () => {
    if (!seabiosChecks("floppy")) return;
    const bad = buildFloppy(elf, "main.elf").bytes;
    new DataView(bad.buffer).setUint16(floppy.tableOffset + 2, FLOPPY_SECTORS, true); // more sectors than the disk has
    const k = await Machine.bootFloppy(bad, { bios: bios() });
    try {
      expect(await k.exited).toBe(1);
      expect(k.output()).toBe(`kernel-ts floppy loader: ${FLOPPY_SECTORS} sectors\nfloppy loader: disk read error at sector ${FLOPPY_SECTORS}\n`);
    } finally { await k.stop(); }
  }, 60_000);

  it("refuses an image that is not a floppy, or a BIOS of the wrong size", async () => {
    await expect(Machine.bootFloppy(elf, { bios: new Uint8Array(131072) })).rejects.toThrow(/^not a bootable 1\.44 MB floppy image \(\d+ bytes, not 1474560\)$/);
    await expect(Machine.bootFloppy(new Uint8Array(FLOPPY_BYTES), { bios: new Uint8Array(131072) })).rejects.toThrow(/no 0x55 0xAA/);
    await expect(Machine.bootFloppy(floppy.bytes, { bios: new Uint8Array(1000) })).rejects.toThrow(/^not a BIOS image: 1000 bytes/);
  });
});

describe("floppy › QEMU (-drive if=floppy)", () => {
  it("boots the same floppy to the prompt, runs heap, and halts with exit code 0", async () => {
    if (!qemuChecks("floppy")) return;
    const file = path.join(tmp, "floppy.img");
    fs.writeFileSync(file, floppy.bytes);
    const q = await bootQemu(file, { memoryMB: 64, floppy: true });
    try {
      await q.expect(PROMPT, 60_000);
      expect(q.output()).toMatch(LOADER_LINE);
      q.send("heap\r");
      expect((await q.expect(PROMPT, 30_000))[1]).toMatch(HEAP);
      q.send("halt\r");
      expect(await q.exited).toBe(0);
    } finally { await q.stop(); }
  }, 120_000);
});

describe("floppy › kt build --floppy and kt boot --floppy", () => {
  it("kt build --floppy -o writes the image and one line of figures; kt boot --floppy boots it to the prompt", () => {
    if (!seabiosChecks("floppy")) return;
    const out = path.join(tmp, "cli", "floppy.img");
    const b = kt(["build", "--floppy", "-o", out]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/^kt build: \S*floppy\.img: \d+ of 2880 sectors used \(boot sector 1, loader \d+, kernel \d+: \d+ bytes from sector \d+\)\n$/);
    expect(fs.statSync(out).size).toBe(FLOPPY_BYTES);
    const r = kt(["boot", "--floppy", out, "--expect", "kt> ", "--send", "heap\\r", "--expect", "kt> ", "--send", "halt\\r"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(LOADER_LINE);
    expect(r.stdout).toMatch(/kt> heap\nballoc: [^]*tlsf: heap 0xd0000000[^]*kt> halt\nhalted\n$/);
  }, 150_000);

  it("kt boot --floppy --qemu builds the floppy of the entry and boots it in QEMU", () => {
    if (!qemuChecks("floppy")) return;
    const r = kt(["boot", "--floppy", "--qemu", "kernel-ts/main.ts", "--expect", "kt> ", "--send", "halt\\r"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(LOADER_LINE);
    expect(r.stdout).toMatch(/halted\n$/);
  }, 150_000);

  describe("bad input: one line, exit code 2", () => {
    const notMultiboot = () => { const f = path.join(tmp, "plain.elf"); fs.writeFileSync(f, fakeKernel({ magic: 0x12345678 })); return f; };
    const tooBig = () => { const f = path.join(tmp, "big.elf"); fs.writeFileSync(f, fakeKernel({ size: 1_500_000 })); return f; };
    const cases: [string, () => string[], RegExp][] = [
      ["an ELF that is not Multiboot", () => ["build", "--floppy", notMultiboot(), "-o", path.join(tmp, "x.img")], /^plain\.elf: not a Multiboot image: /],
      ["an ELF too big for the floppy", () => ["build", "--floppy", tooBig(), "-o", path.join(tmp, "x.img")], /^big\.elf: too big for a 1\.44 MB floppy: /],
      ["an output that is not .img", () => ["build", "--floppy", "-o", "x.elf"], /^kt build --floppy: -o x\.elf: the output is a floppy image \(\.img\)$/],
      ["a missing BIOS file", () => ["boot", "--floppy", "--bios", path.join(tmp, "no-bios.bin")], /^kt boot --floppy: no BIOS at \S+no-bios\.bin \(apt-get install seabios, or give --bios PATH or set KT_SEABIOS\)$/],
      ["--bios without --floppy", () => ["boot", "--bios", "x.bin"], /^kt boot: --bios needs --floppy/],
      ["a BIOS file of the wrong size, named as the culprit", () => {
        const rom = path.join(tmp, "tiny-rom.bin");
        fs.writeFileSync(rom, "x");
        return ["boot", "--floppy", "--bios", rom];
      }, /^kt boot --floppy: \S+tiny-rom\.bin: not a BIOS image: 1 bytes \(SeaBIOS's bios\.bin is 128 KiB; /],
      ["a .img that is not a floppy", () => {
        const f = path.join(tmp, "small.img"), rom = path.join(tmp, "rom.bin");
        fs.writeFileSync(f, "hello");
        fs.writeFileSync(rom, new Uint8Array(131072)); // a BIOS file, so the image is what is wrong
        return ["boot", f, "--bios", rom];
      }, /^kt boot: \S+small\.img: not a bootable 1\.44 MB floppy image \(5 bytes, not 1474560\)$/],
    ];
    for (const [name, args, re] of cases) {
      it(name, () => {
        const r = kt(args());
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stderr.trimEnd()).toMatch(re);
        expect(oneLine(r.stderr), r.stderr).toBe(true);
      });
    }
  });
});
