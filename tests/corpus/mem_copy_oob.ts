// exit: 3
// memory.copy whose source runs past the end of memory panics with "out of bounds memory
// access"; a copy ending exactly at the end is fine.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  const end: usize = 0x4000000 + <usize>load<u32>(0x500000); // memory starts zeroed
  store<u32>(end - 4, 0x01020304);
  memory.copy(0x400000, end - 4, 4);
  putu(load<u32>(0x400000)); putc(10);
  memory.copy(0x400010, end - 2, 4); // @trap
  putu(load<u32>(0x400010)); putc(10);
  exit(0);
}
