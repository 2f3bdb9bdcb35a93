// exit: 0
// CRC-32 (IEEE, reflected, table-driven) of string literals, with the table built at run time:
// shifts, xor, unsigned compares and byte loads.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const TABLE: usize = 0x400000;

function buildTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLE + (n << 2), c);
  }
}

function crc32(s: string): u32 {
  let c: u32 = 0xffffffff;
  for (let i = 0; i < s.length; i++) {
    const b = <u32>s.charCodeAt(i) & 0xff;
    c = load<u32>(TABLE + (((c ^ b) & 0xff) << 2)) ^ (c >>> 8);
  }
  return c ^ 0xffffffff;
}

export function kmain(): void {
  buildTable();
  puthex(load<u32>(TABLE + 4)); putc(32); puthex(load<u32>(TABLE + 1020)); putc(10);
  puthex(crc32("")); putc(10);
  puthex(crc32("a")); putc(10);
  puthex(crc32("123456789")); putc(10);
  puthex(crc32("The quick brown fox jumps over the lazy dog")); putc(10);
  exit(0);
}
