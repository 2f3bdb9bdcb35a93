// exit: 3
// assert(cond) without a message that fails panics with "assertion failed" at the assert's line.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  let n: u32 = 1 + load<u32>(0x500000); // memory starts zeroed
  for (let i = 0; i < 40; i++) {
    n *= 3;
    putu(n); putc(10);
    assert(n < 100000); // @trap
  }
  exit(0);
}
