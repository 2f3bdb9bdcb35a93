// exit: 3
// A 32-bit store at 0xFFFFFFFE: its last byte would be at 0x100000001, which must not wrap around
// to address 1; it panics with "out of bounds memory access".
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  const a: usize = 0xfffffffe + <usize>load<u32>(0x500000); // memory starts zeroed
  store<u32>(0, 0x5eed5eed);
  puthex(load<u32>(0)); putc(10);
  store<u32>(a, 0x11223344); // @trap
  puthex(load<u32>(0)); putc(10);
  exit(0);
}
