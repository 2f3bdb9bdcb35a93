// exit: 0
// 32-bit loads and stores (LD32/ST32) at aligned addresses: load<u32>, load<i32>, store<u32>,
// little-endian byte order seen through byte loads, and a word array summed in a loop.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puthex } from "../../kernel-ts/dev/serial";

const BASE: usize = 0x400000;

function sp(): void { putc(32); }

export function kmain(): void {
  const p = BASE + <usize>load<u32>(0x500000); // memory starts zeroed: p = BASE
  store<u32>(p, 0x12345678);
  store<u32>(p + 4, 0xdeadbeef);
  store<i32>(p + 8, -2);
  puthex(load<u32>(p)); sp();
  puthex(load<u32>(p + 4)); sp();
  puti(load<i32>(p + 8)); sp();
  putu(load<u32>(p + 8)); putc(10);
  // bytes of 0x12345678, lowest address first
  for (let i: usize = 0; i < 4; i++) { puthex(load<u8>(p + i), 2); sp(); }
  putc(10);
  for (let i = 0; i < 100; i++) store<u32>(0x410000 + (i << 2), i * i);
  let sum: u32 = 0;
  for (let i = 0; i < 100; i++) sum += load<u32>(0x410000 + (i << 2));
  putu(sum); sp();
  // overwrite in place
  store<u32>(p, load<u32>(p) ^ load<u32>(p + 4));
  puthex(load<u32>(p));
  putc(10);
  exit(0);
}
