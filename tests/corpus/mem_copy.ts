// exit: 0
// memory.copy (MCOPY) between disjoint regions, of zero bytes, of one byte, across unaligned
// addresses, and a large block copied and checked.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

const HELLO = memory.data<u8>([72, 101, 108, 108, 111, 44, 32, 107, 101, 114, 110, 101, 108, 33]);

function show(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + i);
    putc(c == 0 ? 46 : c);
  }
  putc(10);
}

export function kmain(): void {
  const n = 14 + load<i32>(0x500000); // memory starts zeroed: n = 14
  const d: usize = 0x400000;
  memory.copy(d, HELLO, n);
  show(d, 16);
  memory.copy(d + 0x101, HELLO + 7, n - 7);
  show(d + 0x100, 9);
  memory.copy(d + 0x200, HELLO, 0);
  memory.copy(d + 0x201, HELLO + 4, 1);
  show(d + 0x200, 3);
  // 64 KiB block of a pattern, copied to an odd address
  for (let i = 0; i < 0x10000; i += 4) store<u32>(0x600000 + i, i * 2654435761);
  memory.copy(0x700003, 0x600000, 0x10000);
  let bad = 0;
  for (let i = 0; i < 0x10000; i++) if (load<u8>(0x700003 + i) != load<u8>(0x600000 + i)) bad++;
  putu(bad); putc(32);
  putu(load<u8>(0x700002)); putc(32);
  putu(load<u8>(0x710003));
  putc(10);
  exit(0);
}
