// exit: 0
// unchecked(): element reads and writes of StaticArray constants without the bounds check, in
// loops and with run-time indices; a checked access is the same value. A checked access out of
// bounds would panic; unchecked ones are for indices the code has already proved in range.
import { exit } from "../../kernel-ts/arch";
import { putc, putu, puthex } from "../../kernel-ts/dev/serial";

const SBOX: StaticArray<u8> = [0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5];
const ACC: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0];

export function kmain(): void {
  const z = <i32>load<u32>(0x400000); // 0 at run time
  let x: u32 = 0;
  for (let i = 0; i < SBOX.length; i++) x = (x << 4) ^ unchecked(SBOX[i]);
  puthex(x); putc(10);
  for (let i = 0; i < 8; i++) unchecked(ACC[(i * 3) & 7] = <u32>i + 1);
  for (let i = 0; i < 8; i++) { putu(unchecked(ACC[i])); putc(32); }
  putc(10);
  putc(unchecked(SBOX[z + 1]) == SBOX[z + 1] ? 61 : 33); putc(10);
  exit(0);
}
