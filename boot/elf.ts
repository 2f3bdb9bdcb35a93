// Writes the Multiboot kernel as an ELF32 executable: one PT_LOAD program header per section,
// loaded at its physical address (= its virtual address). Units: bytes, linear addresses.
//
//   file offset 0      ELF header (52 bytes), program headers (32 bytes each)
//   file offset 0x1000 the sections' bytes, each starting on a 4 KiB file boundary
//
// The Multiboot header must lie in the first 8 KiB of the file: it is the first thing in the
// first section.

export interface Segment { addr: number; bytes: Uint8Array; memSize?: number; flags: "rx" | "r" | "rw" }

const PAGE = 4096;

export function writeElf(segments: Segment[], entry: number): Uint8Array {
  const phoff = 52, phsize = 32;
  if (52 + 32 * segments.length > PAGE) throw new Error(`internal: ${segments.length} segments do not fit the ELF's first page of program headers`);
  let offset = PAGE;
  const placed = segments.map((s) => {
    const at = offset;
    offset += Math.ceil(s.bytes.length / PAGE) * PAGE;
    return { ...s, offset: at };
  });
  const out = new Uint8Array(offset);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]); // ELF, 32-bit, little-endian, version 1
  dv.setUint16(16, 2, true);            // ET_EXEC
  dv.setUint16(18, 3, true);            // EM_386
  dv.setUint32(20, 1, true);            // version
  dv.setUint32(24, entry, true);
  dv.setUint32(28, phoff, true);
  dv.setUint32(32, 0, true);            // no section headers
  dv.setUint16(40, 52, true);           // ehsize
  dv.setUint16(42, phsize, true);
  dv.setUint16(44, placed.length, true);
  dv.setUint16(46, 40, true);           // shentsize
  placed.forEach((s, i) => {
    const p = phoff + i * phsize;
    dv.setUint32(p, 1, true);           // PT_LOAD
    dv.setUint32(p + 4, s.offset, true);
    dv.setUint32(p + 8, s.addr, true);  // vaddr
    dv.setUint32(p + 12, s.addr, true); // paddr
    dv.setUint32(p + 16, s.bytes.length, true);
    dv.setUint32(p + 20, Math.max(s.memSize ?? 0, s.bytes.length), true);
    dv.setUint32(p + 24, (s.flags.includes("r") ? 4 : 0) | (s.flags.includes("w") ? 2 : 0) | (s.flags.includes("x") ? 1 : 0), true);
    dv.setUint32(p + 28, PAGE, true);
    out.set(s.bytes, s.offset);
  });
  return out;
}

// ── Reading ──────────────────────────────────────────────────────────────────────────────────
// What a boot loader needs of a Multiboot ELF, shared by emulator/machine.ts (v86's own loader
// is checked first) and boot/floppy.ts (ours). Nothing here throws: callers word their errors.

export const MULTIBOOT_MAGIC = 0x1badb002;

/** A program header: p_type, file offset, physical address, sizes in the file and in memory. */
export interface ProgramHeader { type: number; offset: number; paddr: number; filesz: number; memsz: number }
export const PT_LOAD = 1;

const u32 = (b: Uint8Array, o: number) => (o + 4 <= b.length ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : 0);
const u16 = (b: Uint8Array, o: number) => (o + 2 <= b.length ? b[o] | (b[o + 1] << 8) : 0);

/** The offset of a Multiboot v1 header (magic, flags, checksum summing to 0) in the first 8 KiB, or -1. */
export function multibootHeaderAt(image: Uint8Array): number {
  for (let o = 0; o + 12 <= Math.min(image.length, 8192); o += 4) {
    if (u32(image, o) === MULTIBOOT_MAGIC && ((u32(image, o) + u32(image, o + 4) + u32(image, o + 8)) >>> 0) === 0) return o;
  }
  return -1;
}

/** The flags word of the Multiboot header at `header`. */
export function multibootFlags(image: Uint8Array, header: number): number { return u32(image, header + 4); }

/** Whether `image` starts with the header of a 32-bit little-endian i386 ELF. */
export function isElf32i386(image: Uint8Array): boolean {
  return image.length >= 52 && u32(image, 0) === 0x464c457f && image[4] === 1 && image[5] === 1 && u16(image, 18) === 3;
}

/** The ELF's entry point. */
export function elfEntry(image: Uint8Array): number { return u32(image, 24); }

/** The program headers, or undefined when the table is malformed (entry size not 32, past the end). */
export function programHeaders(image: Uint8Array): ProgramHeader[] | undefined {
  const phoff = u32(image, 28), phentsize = u16(image, 42), phnum = u16(image, 44);
  if (phentsize !== 32 || phoff + phnum * 32 > image.length) return undefined;
  return Array.from({ length: phnum }, (_, i) => {
    const p = phoff + 32 * i;
    return { type: u32(image, p), offset: u32(image, p + 4), paddr: u32(image, p + 12), filesz: u32(image, p + 16), memsz: u32(image, p + 20) };
  });
}
