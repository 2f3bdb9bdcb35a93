// The 1.44 MB floppy's geometry and what makes an image bootable, without the loader's assembler
// (emulator/machine.ts, which the browser page bundles, and the CLI check images with it; boot/
// floppy.ts builds them). Units: bytes, 512-byte sectors.

export const SECTOR = 512;
export const SECTORS_PER_TRACK = 18;
export const HEADS = 2;
export const CYLINDERS = 80;
export const FLOPPY_SECTORS = SECTORS_PER_TRACK * HEADS * CYLINDERS; // 2880
export const FLOPPY_BYTES = FLOPPY_SECTORS * SECTOR;                  // 1,474,560

/** Why `image` is not a bootable 1.44 MB floppy image (one line), or undefined when it is one. */
export function floppyImageError(image: Uint8Array): string | undefined {
  if (image.length !== FLOPPY_BYTES) return `not a bootable 1.44 MB floppy image (${image.length} bytes, not ${FLOPPY_BYTES})`;
  if (image[510] !== 0x55 || image[511] !== 0xaa) return "not a bootable 1.44 MB floppy image (no 0x55 0xAA boot signature at the end of its first sector)";
  return undefined;
}
