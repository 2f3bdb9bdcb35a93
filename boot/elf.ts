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
