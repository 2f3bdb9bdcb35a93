// exit: 3
// x / -1 with a constant divisor still traps for x = -2147483648 ("integer overflow"): a division
// by the constant -1 must not become a non-trapping immediate form.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([7, -7, 2147483647, -2147483648]);

export function kmain(): void {
  for (let i = 0; i < 4; i++) {
    puti(load<i32>(D + (i << 2)) / -1); // @trap
    putc(10);
  }
  exit(0);
}
