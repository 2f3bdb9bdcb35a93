// exit: 3
// memory.fill whose end (start + length) passes 2^32 must not wrap around: filling 0xFFFFFFF8
// bytes from address 0x400010 panics with "out of bounds memory access".
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  const n: usize = 0xfffffff8 + <usize>load<u32>(0x500000); // memory starts zeroed
  memory.fill(0x400000, 0x55, 15);
  putu(load<u8>(0x40000e)); putc(10);
  memory.fill(0x400010, 0x66, n); // @trap
  putu(load<u8>(0x400010)); putc(10);
  exit(0);
}
