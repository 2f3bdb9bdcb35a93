// exit: 3
// -2147483648 / -1 with run-time operands: i32.div_s traps with "integer overflow". The other
// divisions by -1 print first.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([2147483647, -2147483647, 5, -2147483648]);

export function kmain(): void {
  const m = load<i32>(D + 12) + 1;     // -2147483647
  const neg1 = load<i32>(D + 8) - 6;   // -1
  for (let i = 0; i < 4; i++) {
    puti(load<i32>(D + (i << 2)) / neg1); // @trap
    putc(10);
  }
  puti(m);
  exit(0);
}
