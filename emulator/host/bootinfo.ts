// The boot information the host runners give a program, as a Multiboot loader would in the guest:
// a Multiboot v1 information block at 0x7C00 with a memory map (flags bit 6), and the end of the
// program's image. Units: bytes, linear addresses.
//
//   0x7C00 +0   flags = 0x40 (memory map present)
//          +44  mmap_length = 48, +48 mmap_addr = 0x7C74
//   0x7C74      { size 20, base 0,        length 0x9FC00,        type 1 }   low memory
//               { size 20, base 0x100000, length memory - 1 MiB, type 1 }   above 1 MiB
//   0x7B00      image layout: ro_start = ro_end = rw_start = 1 MiB (the host has no code pages),
//               image_end = the end of the static data (DATA_BASE at least), rounded up to a page;
//               no JIT region (jit_base = jit_end = jit_alias = jit_area = 0)

import type { HostDevices } from "./devices.ts";
import { DATA_BASE } from "../../toolchain/layout.ts";

export const HOST_BOOT_INFO = 0x7c00;
export const HOST_IMAGE_LAYOUT = 0x7b00;
const INFO_LEN = 116;
const PAGE = 4096;

/** Writes the block into `mem` and tells `dev` where it and the image end are. */
export function writeHostBootInfo(mem: Uint8Array, dev: HostDevices, dataEnd: number): void {
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  const map = HOST_BOOT_INFO + INFO_LEN;
  mem.fill(0, HOST_BOOT_INFO, map + 48);
  dv.setUint32(HOST_BOOT_INFO, 0x40, true);
  dv.setUint32(HOST_BOOT_INFO + 44, 48, true);
  dv.setUint32(HOST_BOOT_INFO + 48, map, true);
  const region = (at: number, base: number, length: number) => {
    dv.setUint32(at, 20, true); dv.setUint32(at + 4, base, true); dv.setUint32(at + 8, 0, true);
    dv.setUint32(at + 12, length, true); dv.setUint32(at + 16, 0, true); dv.setUint32(at + 20, 1, true);
  };
  region(map, 0, 0x9fc00);
  region(map + 24, 0x100000, mem.length - 0x100000);
  const imageEnd = Math.ceil(Math.max(dataEnd, DATA_BASE) / PAGE) * PAGE; // static data starts at DATA_BASE
  [0x100000, 0x100000, 0x100000, imageEnd, 0, 0, 0, 0].forEach((v, i) => dv.setUint32(HOST_IMAGE_LAYOUT + 4 * i, v, true));
  dev.boot = { info: HOST_BOOT_INFO, imageEnd, layout: HOST_IMAGE_LAYOUT };
}
