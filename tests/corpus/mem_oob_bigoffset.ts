// exit: 3
// A large constant offset (0x3FF0000) on a high base (0xFC020000) addresses 0x100010000, past
// 4 GiB, not 0x10000: the effective address must not wrap around, and the load panics with
// "out of bounds memory access". The same offset on a small base works.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const BASES = memory.data<u32>([0x20, 0xfc020000]);

export function kmain(): void {
  store<u32>(0x10000, 0x0badf00d);
  store<u32>(0x3ff0020, 0x600d600d);
  for (let i = 0; i < 2; i++) {
    const p = <usize>load<u32>(BASES + (i << 2));
    puthex(load<u32>(p, 0x3ff0000)); // @trap
    putc(10);
  }
  exit(0);
}
