// exit: 3
// load<u32>(0xFFFFFFF0), far above the 64 MiB memory, panics with "out of bounds memory access".
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const ADDRS = memory.data<u32>([0x400000, 0xfffffff0]);

export function kmain(): void {
  store<u32>(0x400000, 0xabcd0123);
  for (let i = 0; i < 2; i++) {
    puthex(load<u32>(load<u32>(ADDRS + (i << 2)))); // @trap
    putc(10);
  }
  exit(0);
}
