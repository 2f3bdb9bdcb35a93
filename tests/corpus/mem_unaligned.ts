// exit: 0
// 32- and 16-bit accesses at unaligned addresses (p+1, p+2, p+3): stores straddling words and
// loads reassembling bytes in little-endian order, also sign-extending ones.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puthex } from "../../kernel-ts/dev/serial";

function sp(): void { putc(32); }

export function kmain(): void {
  const p: usize = 0x400000 + <usize>load<u32>(0x500000); // memory starts zeroed
  for (let i = 0; i < 16; i++) store<u8>(p + i, 0x10 + i);
  for (let k: usize = 0; k < 4; k++) { puthex(load<u32>(p + k)); sp(); }
  putc(10);
  for (let k: usize = 0; k < 4; k++) { puthex(load<u16>(p + 1 + 2 * k), 4); sp(); }
  putc(10);
  store<u32>(p + 1, 0xa1b2c3d4);
  store<u32>(p + 6, 0x8899aabb);
  store<u16>(p + 11, 0xfedc);
  for (let i: usize = 0; i < 16; i++) puthex(load<u8>(p + i), 2);
  putc(10);
  puthex(load<u32>(p + 3)); sp();
  puti(load<i16>(p + 7)); sp();
  puti(load<i16>(p + 11)); sp();
  puti(load<i32>(p + 7)); sp();
  puti(load<i8>(p + 9));
  putc(10);
  exit(0);
}
