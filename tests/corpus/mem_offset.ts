// exit: 0
// Loads and stores with constant offsets folded into the instruction (load<u32>(p, 8),
// store<u16>(p, v, 6)...), including unaligned and large offsets, and offsets on a run-time base.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puthex } from "../../kernel-ts/dev/serial";

function sp(): void { putc(32); }

export function kmain(): void {
  const p: usize = 0x400000 + <usize>load<u32>(0x500000); // memory starts zeroed
  store<u32>(p, 0x11111111, 0);
  store<u32>(p, 0x22222222, 4);
  store<u32>(p, 0x33333333, 8);
  store<u16>(p, 0xbeef, 13);
  store<u8>(p, 0x99, 15);
  store<u32>(p, 0xcafef00d, 0x10000);
  puthex(load<u32>(p, 4)); sp();
  puthex(load<u32>(p, 8)); sp();
  puthex(load<u32>(p, 12)); sp();
  puthex(load<u16>(p, 13), 4); sp();
  puti(load<i16>(p, 13)); sp();
  putu(load<u8>(p, 15)); sp();
  puti(load<i8>(p, 15)); sp();
  puthex(load<u32>(p, 0x10000)); sp();
  puthex(load<u32>(p + 0x8000, 0x8000));
  putc(10);
  // walking an array of 12-byte records through offsets
  for (let i = 0; i < 5; i++) {
    const r = p + 0x100 + i * 12;
    store<i32>(r, i, 0);
    store<i32>(r, i * i, 4);
    store<i32>(r, -i, 8);
  }
  let s = 0;
  for (let i = 0; i < 5; i++) {
    const r = p + 0x100 + i * 12;
    s += load<i32>(r, 0) * 100 + load<i32>(r, 4) * 10 + load<i32>(r, 8);
  }
  puti(s);
  putc(10);
  exit(0);
}
