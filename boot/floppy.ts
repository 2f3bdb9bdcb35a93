// The bootable 1.44 MB floppy: our own boot sector and loader, then the kernel's Multiboot ELF
// exactly as `kt build` writes it. The BIOS (SeaBIOS in v86 or QEMU) loads the boot sector; the
// loader does what a Multiboot boot loader does and jumps to the kernel. Units: bytes, 512-byte
// sectors (LBA, from 0), physical addresses.
//
//   floppy (80 cylinders × 2 heads × 18 sectors; LBA = (cylinder × 2 + head) × 18 + sector − 1)
//   LBA 0            boot sector: segments, stack, COM1, reads the loader, jumps to it; 0x55 0xAA
//   LBA 1 …          the loader (16-bit code, 32-bit code, GDT, the kernel table, messages)
//   LBA 1 + L …      the kernel ELF, byte for byte; the rest of the disk is zeros
//
//   low memory while loading
//   0x00000–0x004FF  real-mode interrupt vectors, BIOS data (left alone)
//   0x01000          Multiboot info block (128 bytes), the memory map at 0x01100 (≤ 64 entries)
//   0x07C00          the boot sector; the stack grows down from here
//   0x08000          the loader (< 32 KiB, so one read never crosses a 64 KiB DMA boundary)
//   0x10000          bounce buffer: one track (18 sectors, 9 KiB) per BIOS read
//   stage (≥ 1 MiB)  the ELF's bytes, gathered above the highest byte any segment occupies
//
// The loader's steps: print "kernel-ts floppy loader: N sectors" (COM1 and screen); A20 on
// (BIOS, port 0x92, keyboard controller; each checked by a 1 MiB wraparound test); memory sizes
// (int 12h, E801 else 88h) and the E820 map; check the stage fits in RAM; read the ELF a track at
// a time into the bounce buffer, each track copied up to the stage through protected mode and
// back; then protected mode for good: every PT_LOAD segment copied to its physical address and
// its bss zeroed, the Multiboot info built, and a jump to the entry with EAX = 0x2BADB002 and
// EBX = the info block (flat 32-bit segments, interrupts off, paging off). A BIOS disk error
// prints "floppy loader: disk read error at sector N" and stops (exit code 1 on port 0xF4 for
// emulators, then hlt).
//
// The ELF is parsed here, at build time: the loader gets a small table instead (layout below).

import { Section, assemble, mem, m8, m16, ref, type Encoded } from "./asm.ts";
import { assemble16, checkFarJumps, listingMixed } from "./asm16.ts";
import { KtError } from "../toolchain/errors.ts";
import { multibootHeaderAt, multibootFlags, isElf32i386, elfEntry, programHeaders, PT_LOAD } from "./elf.ts";
import { SECTOR, SECTORS_PER_TRACK, HEADS, FLOPPY_SECTORS, FLOPPY_BYTES } from "./floppy-format.ts";

export { SECTOR, SECTORS_PER_TRACK, HEADS, CYLINDERS, FLOPPY_SECTORS, FLOPPY_BYTES } from "./floppy-format.ts";

const BOOT_ADDR = 0x7c00;
const STACK_TOP = 0x7c00;
const LOADER_ADDR = 0x8000;
const BOUNCE_ADDR = 0x10000;
const LOADER_MAX = BOUNCE_ADDR - LOADER_ADDR;
export const INFO_ADDR = 0x1000;
const INFO_BYTES = 128;
const MMAP_ADDR = 0x1100;
const MMAP_MAX = 64;                 // entries of 24 bytes: up to 0x1700
const MB_BOOT_MAGIC = 0x2badb002;
/** Info flags: mem_lower/mem_upper (bit 0), boot_device (1), mmap (6), boot_loader_name (9). */
export const INFO_FLAGS = (1 << 0) | (1 << 1) | (1 << 6) | (1 << 9);
export const LOADER_NAME = "kernel-ts floppy loader";
const SMAP = 0x534d4150;             // "SMAP", E820's signature
const COM1 = 0x3f8;
const EXIT_PORT = 0xf4;              // emulators: ends the run (v86 host, QEMU isa-debug-exit)
const LOADER_FAILED = 1;             // the exit code of a failed boot, as the kernel's boot stages use
const MAX_SEGMENTS = 16;
const PAGE = 4096;

/** GDT selectors of the loader (the kernel loads its own). */
const CODE32 = 0x08, DATA32 = 0x10, CODE16 = 0x18, DATA16 = 0x20;

/**
 * The kernel table, at `table` in the loader (all little-endian):
 *
 *   +0  u16 kernel_lba       first sector of the ELF on the floppy
 *   +2  u16 kernel_sectors   its length in sectors
 *   +4  u32 stage            where the loader gathers the ELF (page above every segment's end)
 *   +8  u32 need_kib         upper memory needed: stage + the ELF's sectors − 1 MiB, in KiB rounded up
 *   +12 u32 entry            the ELF's entry point
 *   +16 u32 count            PT_LOAD segments that follow
 *   +20 count × { u32 offset, u32 paddr, u32 filesz, u32 memsz }
 */
export interface KernelTable {
  kernelLba: number;
  kernelSectors: number;
  stage: number;
  needKiB: number;
  entry: number;
  segments: LoadSegment[];
}
/** Byte offsets of the table's fields. */
const T = { lba: 0, sectors: 2, stage: 4, needKiB: 8, entry: 12, count: 16, segments: 20 } as const;
export interface LoadSegment { offset: number; paddr: number; filesz: number; memsz: number }

export interface Floppy {
  /** The disk image: FLOPPY_BYTES bytes. */
  bytes: Uint8Array;
  table: KernelTable;
  /** Byte offset of the kernel table in `bytes`. */
  tableOffset: number;
  /** Sectors: the loader's, and all used (boot sector + loader + kernel) of FLOPPY_SECTORS. */
  loaderSectors: number;
  usedSectors: number;
  /** The x86 listing of the boot sector and the loader. */
  listing(): string;
}

/**
 * Builds the floppy image that boots the Multiboot ELF `elf` (named `name` in messages). Throws a
 * one-line KtError when the ELF is not a Multiboot ELF32 i386 executable this loader can load, or
 * when it does not fit on the floppy beside the loader.
 */
export function buildFloppy(elf: Uint8Array, name = "kernel.elf"): Floppy {
  const parsed = parseKernel(elf, name);
  const kernelSectors = Math.ceil(elf.length / SECTOR);
  // The loader's size does not depend on the table's values: measure it once, then build for real.
  const measure = assembleLoader({ ...parsed, kernelLba: 0, kernelSectors }, 0);
  const kernelLba = 1 + measure.loaderSectors;
  const used = kernelLba + kernelSectors;
  if (used > FLOPPY_SECTORS) {
    throw new KtError(`${name}: too big for a 1.44 MB floppy: ${elf.length} bytes need ${kernelSectors} sectors; with the boot sector and the loader (${kernelLba}) that is ${used} of ${FLOPPY_SECTORS}`);
  }
  const table: KernelTable = { ...parsed, kernelLba, kernelSectors };
  const code = assembleLoader(table, measure.loaderSectors);
  if (code.loaderSectors !== measure.loaderSectors) throw new Error("internal: the loader's size changed with its table's values");
  const bytes = new Uint8Array(FLOPPY_BYTES);
  bytes.set(code.boot.bytes, 0);
  bytes[510] = 0x55; bytes[511] = 0xaa;
  bytes.set(code.loader, SECTOR);
  bytes.set(elf, kernelLba * SECTOR);
  return {
    bytes, table, tableOffset: SECTOR + code.labels.get("table")! - LOADER_ADDR,
    loaderSectors: measure.loaderSectors, usedSectors: used, listing: code.listing,
  };
}

/** Reads the kernel table back from a floppy image (tests check it against the ELF). */
export function readTable(bytes: Uint8Array, tableOffset: number): KernelTable {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + tableOffset);
  const segments = Array.from({ length: dv.getUint32(T.count, true) }, (_, i) => {
    const [offset, paddr, filesz, memsz] = [0, 4, 8, 12].map((k) => dv.getUint32(T.segments + 16 * i + k, true));
    return { offset, paddr, filesz, memsz };
  });
  return {
    kernelLba: dv.getUint16(T.lba, true), kernelSectors: dv.getUint16(T.sectors, true), stage: dv.getUint32(T.stage, true),
    needKiB: dv.getUint32(T.needKiB, true), entry: dv.getUint32(T.entry, true), segments,
  };
}

// ---------------------------------------------------------------------------------------------
// The ELF, checked at build time

type Fail = (why: string) => never;

/**
 * The parts of a Multiboot ELF the loader needs. Refuses (KtError, one line, naming `name`) what
 * the loader cannot do: see checkMultiboot and loadSegments; an entry outside every segment.
 */
function parseKernel(elf: Uint8Array, name: string): Omit<KernelTable, "kernelLba" | "kernelSectors"> {
  const fail: Fail = (why) => { throw new KtError(`${name}: ${why}`); };
  checkMultiboot(elf, fail);
  const segments = loadSegments(elf, fail);
  const entry = elfEntry(elf);
  if (!segments.some((s) => entry >= s.paddr && entry < s.paddr + s.filesz)) fail(`the entry 0x${entry.toString(16)} is outside every loaded segment`);
  const stage = Math.ceil(Math.max(...segments.map((s) => s.paddr + s.memsz)) / PAGE) * PAGE;
  const staged = Math.ceil(elf.length / SECTOR) * SECTOR; // whole sectors land on the stage
  return { stage, needKiB: Math.ceil((stage + staged - 0x100000) / 1024), entry, segments };
}

/**
 * A Multiboot header (magic, checksum) in the first 8 KiB asking only for what the loader gives
 * (flag bits 0 and 1: aligned modules, there are none; memory information) in an ELF32 i386
 * executable: not the a.out kludge (bit 16), not a video mode (bit 2).
 */
function checkMultiboot(elf: Uint8Array, fail: Fail): void {
  const header = multibootHeaderAt(elf);
  if (header < 0) fail("not a Multiboot image: no Multiboot header (magic 0x1BADB002 and checksum) in its first 8 KiB");
  const flags = multibootFlags(elf, header);
  if (flags & 0x10000) fail("Multiboot images with the a.out kludge (flag bit 16) are not supported; write an ELF");
  if (flags & 0x4) fail("the image asks for a video mode (Multiboot flag bit 2), which the floppy loader does not set");
  if (flags & 0xfff8) fail(`the image requires Multiboot features the floppy loader does not know (flags 0x${flags.toString(16)})`);
  if (!isElf32i386(elf)) fail("not an ELF32 i386 executable");
}

/**
 * The ELF's PT_LOAD segments that occupy memory: within the file, at or above 1 MiB (the loader
 * and the BIOS live below), below 4 GiB, not overlapping, at most MAX_SEGMENTS of them.
 */
function loadSegments(elf: Uint8Array, fail: Fail): LoadSegment[] {
  const headers = programHeaders(elf) ?? fail("malformed ELF: bad program header table");
  const segments: LoadSegment[] = [];
  for (const [i, h] of headers.entries()) {
    if (h.type !== PT_LOAD) continue;
    const s = { offset: h.offset, paddr: h.paddr, filesz: h.filesz, memsz: h.memsz };
    if (s.offset + s.filesz > elf.length || s.filesz > s.memsz) fail(`malformed ELF: segment ${i} runs past the end of the file or its memory size`);
    if (s.paddr < 0x100000) fail(`segment ${i} at 0x${s.paddr.toString(16)} is below 1 MiB, where the floppy loader and the BIOS live`);
    if (s.paddr + s.memsz > 0xffff_f000) fail(`segment ${i} at 0x${s.paddr.toString(16)} runs past 4 GiB`);
    if (s.memsz) segments.push(s);
  }
  if (!segments.length) fail("no loadable segment");
  if (segments.length > MAX_SEGMENTS) fail(`${segments.length} loadable segments; the floppy loader takes at most ${MAX_SEGMENTS}`);
  const sorted = [...segments].sort((a, b) => a.paddr - b.paddr);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (a.paddr + a.memsz > b.paddr) fail(`segments at 0x${a.paddr.toString(16)} and 0x${b.paddr.toString(16)} overlap`);
  }
  return segments;
}

// ---------------------------------------------------------------------------------------------
// The code

interface LoaderCode { boot: Encoded; loader: Uint8Array; loaderSectors: number; labels: Map<string, number>; listing(): string }

/**
 * Assembles the boot sector (16-bit, at 0x7C00) and the loader (16-bit part at LOADER_ADDR, then
 * its 32-bit part and data) for `table`; `loaderSectors` is what the boot sector reads (0 while
 * measuring). The two assemblers resolve each other's labels: the 16-bit code first with the
 * 32-bit labels at 0 (sizes never depend on label values), then the 32-bit code placed after it,
 * then the 16-bit code again with the real addresses.
 */
function assembleLoader(table: KernelTable, loaderSectors: number): LoaderCode {
  const boot = new Section("boot_sector", BOOT_ADDR), real = new Section("loader16", LOADER_ADDR);
  emitBootSector(boot, loaderSectors);
  emitLoader16(real);
  const build32 = (base: number) => { const s = new Section("loader32", base); emitLoader32(s, table); return s; };
  const names32 = build32(0).items.flatMap((it) => (it.kind === "label" ? [it.name] : []));
  const first = assemble16([boot, real], new Map(names32.map((n) => [n, 0])));
  const base32 = Math.ceil((LOADER_ADDR + first.sections[1].bytes.length) / 16) * 16;
  const s32 = build32(base32);
  const r32 = assemble([s32], new Map([...first.labels].filter(([n]) => boot.has(n) || real.has(n))));
  const labels32 = new Map([...r32.labels].filter(([n]) => s32.has(n)));
  const r16 = assemble16([boot, real], labels32);
  const [b, l16] = r16.sections, l32 = r32.sections[0];
  checkFarJumps([{ section: b, bitness: 16 }, { section: l16, bitness: 16 }, { section: l32, bitness: 32 }]);
  if (b.bytes.length > 510) throw new Error(`internal: the boot sector's code is ${b.bytes.length} bytes (at most 510)`);
  const end = l32.base + l32.bytes.length;
  if (end - LOADER_ADDR > LOADER_MAX) throw new Error(`internal: the loader is ${end - LOADER_ADDR} bytes (at most ${LOADER_MAX})`);
  const loader = new Uint8Array(Math.ceil((end - LOADER_ADDR) / SECTOR) * SECTOR);
  loader.set(l16.bytes, 0);
  loader.set(l32.bytes, l32.base - LOADER_ADDR);
  const labels = new Map([...r16.labels, ...labels32]);
  return {
    boot: b, loader, loaderSectors: loader.length / SECTOR, labels,
    listing: () => listingMixed([{ section: b, bitness: 16 }, { section: l16, bitness: 16 }, { section: l32, bitness: 32 }], labels),
  };
}

/** A zero-terminated string at `label`. */
const cstr = (s: Section, label: string, text: string) => s.label(label).bytes([...Buffer.from(text, "latin1"), 0]);

/**
 * The boot sector: CS:IP = 0:7C00, segments 0, stack below 0x7C00, COM1 at 115200 8N1, then the
 * loader's sectors (LBA 1…) to LOADER_ADDR and a jump to it with DL = the BIOS boot drive. Its
 * routines (read_sectors, putc, puts, putdec, fail) serve the loader too.
 */
function emitBootSector(s: Section, loaderSectors: number): void {
  s.i("cli").farJmp(0, "bs_start"); // some BIOSes enter at 07C0:0000
  s.label("bs_start").i("xor", "ax", "ax").i("mov", "ds", "ax").i("mov", "es", "ax").i("mov", "ss", "ax").i("mov", "esp", STACK_TOP);
  s.i("cld").i("sti").i("mov", m8({ disp: ref("boot_drive") }), "dl");
  // COM1: divisor 1 (115200 baud), 8N1, FIFOs on, DTR/RTS/OUT2: pairs of (port − 0x3F8, value).
  s.i("mov", "si", ref("com1_init")).i("mov", "cx", 7);
  s.label("bs_com1").i("lodsb").i("mov", "dx", COM1).i("add", "dl", "al").i("lodsb").i("out", "dx", "al").i("dec", "cx").jcc("ne", "bs_com1");
  s.i("mov", "ax", 1).i("mov", "cx", loaderSectors).i("mov", "bx", LOADER_ADDR >> 4).i("mov", "es", "bx").call("read_sectors");
  s.i("xor", "ax", "ax").i("mov", "es", "ax").i("mov", "dl", m8({ disp: ref("boot_drive") })).jmp("loader_start");

  // read_sectors: ax = first LBA, cx = count (≥ 1), es = destination segment (offset 0). One
  // int 13h read per track (or what is left of it), 3 tries with a disk reset between; es
  // advances past what was read. A read that fails 3 times ends in fail_sector.
  s.label("read_sectors").i("mov", m16({ disp: ref("rs_lba") }), "ax").i("mov", m16({ disp: ref("rs_left") }), "cx");
  s.label("rs_next").i("mov", "ax", m16({ disp: ref("rs_lba") })).i("mov", "cx", m16({ disp: ref("rs_left") })).call("track_chunk");
  s.i("mov", m16({ disp: ref("rs_chunk") }), "cx").i("mov", m8({ disp: ref("rs_tries") }), 3);
  s.label("rs_try").i("mov", "ax", m16({ disp: ref("rs_lba") })).call("chs");
  s.i("mov", "al", m8({ disp: ref("rs_chunk") })).i("mov", "ah", 2).i("mov", "dl", m8({ disp: ref("boot_drive") })).i("xor", "bx", "bx");
  s.i("int", 0x13).jcc("ae", "rs_done");
  s.i("dec", m8({ disp: ref("rs_tries") })).jcc("e", "rs_fail");
  s.i("xor", "ax", "ax").i("mov", "dl", m8({ disp: ref("boot_drive") })).i("int", 0x13).jmp("rs_try"); // reset the disk system
  s.label("rs_done").i("mov", "ax", m16({ disp: ref("rs_chunk") })).i("add", m16({ disp: ref("rs_lba") }), "ax").i("sub", m16({ disp: ref("rs_left") }), "ax");
  s.i("shl", "ax", 5).i("mov", "bx", "es").i("add", "bx", "ax").i("mov", "es", "bx"); // 32 paragraphs a sector
  s.i("cmp", m16({ disp: ref("rs_left") }), 0).jcc("ne", "rs_next").i("ret");
  s.label("rs_fail").i("mov", "ax", m16({ disp: ref("rs_lba") })).jmp("fail_sector");

  // track_chunk: ax = LBA, cx = sectors wanted → cx = at most what is left of ax's track.
  s.label("track_chunk").i("push", "ax").i("push", "dx").i("push", "bx");
  s.i("xor", "dx", "dx").i("mov", "bx", SECTORS_PER_TRACK).i("div", "bx").i("sub", "bx", "dx");
  s.i("cmp", "cx", "bx").jcc("be", "tc_done").i("mov", "cx", "bx");
  s.label("tc_done").i("pop", "bx").i("pop", "dx").i("pop", "ax").i("ret");

  // chs: ax = LBA → ch = cylinder, cl = sector (from 1), dh = head (80 cylinders: no high bits in cl).
  s.label("chs").i("xor", "dx", "dx").i("mov", "cx", SECTORS_PER_TRACK).i("div", "cx");
  s.i("mov", "cl", "dl").i("inc", "cl").i("mov", "dh", "al").i("and", "dh", HEADS - 1).i("shr", "ax", 1).i("mov", "ch", "al").i("ret");

  // fail_sector: ax = sector; fail: si = message. One line, then the exit port (emulators), then hlt.
  s.label("fail_sector").i("push", "ax").i("mov", "si", ref("str_read_error")).call("puts").i("pop", "ax").call("putdec").jmp("fail_end");
  s.label("fail").call("puts");
  s.label("fail_end").i("mov", "al", 10).call("putc").i("mov", "dx", EXIT_PORT).i("mov", "al", LOADER_FAILED).i("out", "dx", "al");
  s.label("halt").i("cli").i("hlt").jmp("halt");

  // putc: al = a character to the screen (BIOS teletype; \n as \r\n) and to COM1 (waiting at most
  // 65,536 polls for room). Preserves every register.
  s.label("putc").i("pusha").i("mov", "bx", 7).i("cmp", "al", 10).jcc("ne", "putc_tty");
  s.i("push", "ax").i("mov", "ax", 0x0e0d).i("int", 0x10).i("pop", "ax");
  s.label("putc_tty").i("push", "ax").i("mov", "ah", 0x0e).i("int", 0x10).i("pop", "ax");
  s.i("mov", "bl", "al").i("mov", "dx", COM1 + 5).i("xor", "cx", "cx");
  s.label("putc_wait").i("in", "al", "dx").i("test", "al", 0x20).jcc("ne", "putc_send").i("dec", "cx").jcc("ne", "putc_wait");
  s.label("putc_send").i("mov", "al", "bl").i("mov", "dx", COM1).i("out", "dx", "al").i("popa").i("ret");
  // puts: si = a zero-terminated string.
  s.label("puts").i("lodsb").i("test", "al", "al").jcc("e", "puts_done").call("putc").jmp("puts");
  s.label("puts_done").i("ret");
  // putdec: ax = an unsigned number, in decimal.
  s.label("putdec").i("xor", "dx", "dx").i("mov", "cx", 10).i("div", "cx").i("test", "ax", "ax").jcc("e", "putdec_last");
  s.i("push", "dx").call("putdec").i("pop", "dx");
  s.label("putdec_last").i("mov", "al", "dl").i("add", "al", 48).call("putc").i("ret");

  s.label("com1_init").bytes([1, 0, 3, 0x80, 0, 1, 1, 0, 3, 3, 2, 0xc7, 4, 0x0b]);
  s.label("boot_drive").bytes([0]).label("rs_tries").bytes([0]);
  s.label("rs_lba").bytes([0, 0]).label("rs_left").bytes([0, 0]).label("rs_chunk").bytes([0, 0]);
  cstr(s, "str_read_error", "floppy loader: disk read error at sector ");
}

/** The loader's real-mode part: progress line, A20, memory, the kernel's sectors, protected mode. */
function emitLoader16(s: Section): void {
  s.label("loader_start").i("mov", "si", ref("str_hello")).call("puts");
  s.i("mov", "ax", m16({ disp: ref("table", T.sectors) })).call("putdec").i("mov", "si", ref("str_sectors")).call("puts");
  s.call("a20_enable").call("memory_size").call("e820_map");
  s.i("mov", "eax", mem({ disp: ref("table", T.needKiB) })).i("cmp", "eax", mem({ disp: ref("mb_mem_upper") })).jcc("be", "ld_fits");
  s.i("mov", "si", ref("str_no_memory")).jmp("fail");
  s.label("ld_fits").call("load_kernel");
  s.i("cli").i("lgdt", mem({ disp: ref("gdt_desc"), size: 0 })).i("mov", "eax", "cr0").i("or", "al", 1).i("mov", "cr0", "eax").farJmp(CODE32, "pm_start");

  // load_kernel: the ELF's sectors, a track at a time through the bounce buffer, up to the stage.
  s.label("load_kernel").i("mov", "ax", m16({ disp: ref("table", T.lba) })).i("mov", m16({ disp: ref("ld_lba") }), "ax");
  s.i("mov", "ax", m16({ disp: ref("table", T.sectors) })).i("mov", m16({ disp: ref("ld_left") }), "ax");
  s.i("mov", "eax", mem({ disp: ref("table", T.stage) })).i("mov", mem({ disp: ref("ld_dest") }), "eax");
  s.label("lk_next").i("mov", "ax", m16({ disp: ref("ld_lba") })).i("mov", "cx", m16({ disp: ref("ld_left") })).call("track_chunk");
  s.i("mov", m16({ disp: ref("ld_chunk") }), "cx").i("mov", "bx", BOUNCE_ADDR >> 4).i("mov", "es", "bx").call("read_sectors");
  s.i("xor", "bx", "bx").i("mov", "es", "bx");
  s.i("movzx", "ecx", m16({ disp: ref("ld_chunk") })).i("shl", "ecx", 9).i("mov", "esi", BOUNCE_ADDR).i("mov", "edi", mem({ disp: ref("ld_dest") }));
  s.call("copy_up").i("mov", mem({ disp: ref("ld_dest") }), "edi");
  s.i("mov", "ax", m16({ disp: ref("ld_chunk") })).i("add", m16({ disp: ref("ld_lba") }), "ax").i("sub", m16({ disp: ref("ld_left") }), "ax");
  s.jcc("ne", "lk_next").i("ret");

  // copy_up: ecx bytes from esi to edi (linear; edi may be above 1 MiB) in protected mode, then
  // back to real mode through a 16-bit protected-mode segment (so the segment limits are 64 KiB
  // again). edi ends past the copy; eax is lost.
  s.label("copy_up").i("cli").i("lgdt", mem({ disp: ref("gdt_desc"), size: 0 }));
  s.i("mov", "eax", "cr0").i("or", "al", 1).i("mov", "cr0", "eax").farJmp(CODE32, "pm_copy");
  s.label("copy_back").i("mov", "ax", DATA16).i("mov", "ds", "ax").i("mov", "es", "ax").i("mov", "ss", "ax");
  s.i("mov", "eax", "cr0").i("and", "al", 0xfe).i("mov", "cr0", "eax").farJmp(0, "copy_real");
  s.label("copy_real").i("xor", "ax", "ax").i("mov", "ds", "ax").i("mov", "es", "ax").i("mov", "ss", "ax").i("sti").i("ret");

  // a20_enable: A20 on by the BIOS (int 15h 2401h), port 0x92, or the keyboard controller,
  // whichever works first; each checked by a20_on. Fails with a message if none does.
  s.label("a20_enable").call("a20_on").jcc("ne", "a20_done");
  s.i("mov", "ax", 0x2401).i("int", 0x15).call("a20_on").jcc("ne", "a20_done");
  s.i("in", "al", 0x92).i("or", "al", 2).i("and", "al", 0xfe).i("out", 0x92, "al").call("a20_on").jcc("ne", "a20_done"); // bit 0 would reset
  s.call("kbc_wait").i("mov", "al", 0xd1).i("out", 0x64, "al").call("kbc_wait").i("mov", "al", 0xdf).i("out", 0x60, "al").call("kbc_wait");
  s.i("xor", "cx", "cx");
  s.label("a20_poll").call("a20_on").jcc("ne", "a20_done").i("dec", "cx").jcc("ne", "a20_poll");
  s.i("mov", "si", ref("str_a20")).jmp("fail");
  s.label("a20_done").i("ret");
  // a20_on: ZF clear when A20 is on: 0000:0500 and FFFF:0510 (1 MiB apart) hold different bytes.
  s.label("a20_on").i("xor", "ax", "ax").i("mov", "ds", "ax").i("mov", m8({ disp: 0x500 }), 0);
  s.i("mov", "ax", 0xffff).i("mov", "ds", "ax").i("mov", m8({ disp: 0x510 }), 0xff);
  s.i("xor", "ax", "ax").i("mov", "ds", "ax").i("cmp", m8({ disp: 0x500 }), 0xff).i("ret");
  // kbc_wait: until the keyboard controller's input buffer is empty (at most 65,536 polls).
  s.label("kbc_wait").i("push", "cx").i("xor", "cx", "cx");
  s.label("kbc_poll").i("in", "al", 0x64).i("test", "al", 2).jcc("e", "kbc_done").i("dec", "cx").jcc("ne", "kbc_poll");
  s.label("kbc_done").i("pop", "cx").i("ret");

  // memory_size: mem_lower (KiB below 640 KiB, int 12h) and mem_upper (KiB from 1 MiB to the
  // first hole: E801, whose 64 KiB blocks above 16 MiB count only when 1–16 MiB is whole; else 88h).
  s.label("memory_size").i("int", 0x12).i("movzx", "eax", "ax").i("mov", mem({ disp: ref("mb_mem_lower") }), "eax");
  s.i("mov", "ax", 0xe801).i("xor", "bx", "bx").i("xor", "cx", "cx").i("xor", "dx", "dx").i("int", 0x15).jcc("b", "ms_88");
  s.i("test", "cx", "cx").jcc("ne", "ms_e801").i("mov", "cx", "ax").i("mov", "dx", "bx"); // some BIOSes answer in ax/bx only
  s.label("ms_e801").i("movzx", "eax", "cx").i("cmp", "cx", 0x3c00).jcc("ne", "ms_store");
  s.i("movzx", "edx", "dx").i("shl", "edx", 6).i("add", "eax", "edx");
  s.label("ms_store").i("mov", mem({ disp: ref("mb_mem_upper") }), "eax").i("ret");
  s.label("ms_88").i("mov", "ah", 0x88).i("int", 0x15).jcc("b", "ms_none").i("movzx", "eax", "ax").i("mov", mem({ disp: ref("mb_mem_upper") }), "eax");
  s.label("ms_none").i("ret");

  // e820_map: the BIOS's memory map as Multiboot entries (size 20, then E820's 20 bytes) at
  // MMAP_ADDR; mmap_length = their bytes (0 without E820: pm_start then makes a map of its own).
  s.label("e820_map").i("xor", "ebx", "ebx").i("mov", "edi", MMAP_ADDR + 4);
  s.label("e820_next").i("mov", "eax", 0xe820).i("mov", "edx", SMAP).i("mov", "ecx", 20).i("int", 0x15).jcc("b", "e820_done");
  s.i("cmp", "eax", SMAP).jcc("ne", "e820_done");
  s.i("mov", mem({ base: "edi", disp: -4 }), 20).i("add", "edi", 24).i("add", mem({ disp: ref("mmap_length") }), 24);
  s.i("cmp", "edi", MMAP_ADDR + 4 + 24 * MMAP_MAX).jcc("ae", "e820_done");
  s.i("test", "ebx", "ebx").jcc("ne", "e820_next");
  s.label("e820_done").i("ret");
}

/** The loader's protected-mode part (copies), then its data: GDT, the kernel table, variables, messages. */
function emitLoader32(s: Section, t: KernelTable): void {
  const flat = (sel: number) => { s.i("mov", "ax", sel); for (const r of ["ds", "es", "ss", "fs", "gs"] as const) s.i("mov", r, "ax"); };
  // pm_copy: the copy of copy_up, then back to 16-bit code.
  s.label("pm_copy").i("mov", "ax", DATA32).i("mov", "ds", "ax").i("mov", "es", "ax").i("mov", "ss", "ax");
  s.i("rep_movsb").farJmp(CODE16, "copy_back");

  // pm_start: each segment from the stage to its address, its bss zeroed; the info block; the kernel.
  s.label("pm_start"); flat(DATA32); s.i("mov", "esp", STACK_TOP);
  s.i("mov", "ebx", ref("table", T.segments)).i("mov", "edx", mem({ disp: ref("table", T.count) }));
  s.label("seg_next").i("mov", "esi", mem({ base: "ebx" })).i("add", "esi", mem({ disp: ref("table", T.stage) }));
  s.i("mov", "edi", mem({ base: "ebx", disp: 4 })).i("mov", "ecx", mem({ base: "ebx", disp: 8 })).i("rep_movsb");
  s.i("mov", "ecx", mem({ base: "ebx", disp: 12 })).i("sub", "ecx", mem({ base: "ebx", disp: 8 })).i("xor", "eax", "eax").i("rep_stosb");
  s.i("add", "ebx", 16).i("dec", "edx").jcc("ne", "seg_next");
  s.i("mov", "edi", INFO_ADDR).i("mov", "ecx", INFO_BYTES).i("xor", "eax", "eax").i("rep_stosb");
  const info = (off: number) => mem({ disp: INFO_ADDR + off });
  s.i("mov", info(0), INFO_FLAGS);
  s.i("mov", "eax", mem({ disp: ref("mb_mem_lower") })).i("mov", info(4), "eax");
  s.i("mov", "eax", mem({ disp: ref("mb_mem_upper") })).i("mov", info(8), "eax");
  s.i("movzx", "eax", m8({ disp: ref("boot_drive") })).i("shl", "eax", 24).i("or", "eax", 0xffffff).i("mov", info(12), "eax"); // drive, no partition
  s.i("mov", "eax", mem({ disp: ref("mmap_length") })).i("test", "eax", "eax").jcc("ne", "have_map").call("make_map");
  s.label("have_map").i("mov", info(44), "eax").i("mov", info(48), MMAP_ADDR).i("mov", info(64), ref("str_name"));
  s.i("mov", "ecx", mem({ disp: ref("table", T.entry) })).i("mov", "eax", MB_BOOT_MAGIC).i("mov", "ebx", INFO_ADDR).i("jmp", "ecx");

  // make_map: without E820, two available regions from the sizes: [0, mem_lower KiB) and
  // [1 MiB, 1 MiB + mem_upper KiB). eax = the map's bytes.
  s.label("make_map").i("mov", "edi", MMAP_ADDR);
  for (const [k, base, size] of [[0, 0, "mb_mem_lower"], [24, 0x100000, "mb_mem_upper"]] as const) {
    s.i("mov", mem({ disp: MMAP_ADDR + k }), 20).i("mov", mem({ disp: MMAP_ADDR + k + 4 }), base).i("mov", mem({ disp: MMAP_ADDR + k + 8 }), 0);
    s.i("mov", "eax", mem({ disp: ref(size) })).i("shl", "eax", 10).i("mov", mem({ disp: MMAP_ADDR + k + 12 }), "eax");
    s.i("mov", mem({ disp: MMAP_ADDR + k + 16 }), 0).i("mov", mem({ disp: MMAP_ADDR + k + 20 }), 1);
  }
  s.i("mov", "eax", 48).i("retnd");

  // GDT: null, flat 32-bit code and data, 16-bit code and data (64 KiB limits, for going back).
  s.align(8).label("gdt").bytes([0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,
    0xff, 0xff, 0, 0, 0, 0x9b, 0x00, 0, 0xff, 0xff, 0, 0, 0, 0x93, 0x00, 0]);
  s.label("gdt_desc").computed(6, (addr) => { const b = new Uint8Array(6), dv = new DataView(b.buffer); dv.setUint16(0, 39, true); dv.setUint32(2, addr("gdt"), true); return b; });
  s.align(4).label("table").bytes(encodeTable(t));
  s.align(4).label("mb_mem_lower").dd(0).label("mb_mem_upper").dd(0).label("mmap_length").dd(0).label("ld_dest").dd(0);
  s.label("ld_lba").bytes([0, 0]).label("ld_left").bytes([0, 0]).label("ld_chunk").bytes([0, 0]);
  cstr(s, "str_hello", "kernel-ts floppy loader: ");
  cstr(s, "str_sectors", " sectors\n");
  cstr(s, "str_a20", "floppy loader: cannot enable A20");
  cstr(s, "str_no_memory", `floppy loader: not enough memory (the kernel needs ${Math.ceil(t.needKiB / 1024) + 1} MiB)`);
  cstr(s, "str_name", LOADER_NAME);
}

/** The kernel table's bytes (layout at KernelTable). */
function encodeTable(t: KernelTable): Uint8Array {
  const b = new Uint8Array(T.segments + 16 * t.segments.length), dv = new DataView(b.buffer);
  dv.setUint16(T.lba, t.kernelLba, true); dv.setUint16(T.sectors, t.kernelSectors, true);
  dv.setUint32(T.stage, t.stage, true); dv.setUint32(T.needKiB, t.needKiB, true); dv.setUint32(T.entry, t.entry, true);
  dv.setUint32(T.count, t.segments.length, true);
  t.segments.forEach((g, i) => [g.offset, g.paddr, g.filesz, g.memsz].forEach((v, k) => dv.setUint32(T.segments + 16 * i + 4 * k, v, true)));
  return b;
}
