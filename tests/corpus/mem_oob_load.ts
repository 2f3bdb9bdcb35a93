// exit: 3
// A load past the end of the 64 MiB memory panics with "out of bounds memory access": the last
// word in range reads fine, one that straddles the end does not.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const ADDRS = memory.data<u32>([0x3fffffc, 0x3fffffe, 0xfffffff0]);

export function kmain(): void {
  store<u32>(0x3fffffc, 0x5a5a1234);
  for (let i = 0; i < 3; i++) {
    puthex(load<u32>(load<u32>(ADDRS + (i << 2)))); // @trap
    putc(10);
  }
  exit(0);
}
