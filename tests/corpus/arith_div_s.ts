// exit: 0
// i32.div_s: two run-time operands (DIVS) and constant divisors (DIVSI): positive, negative,
// INT_MIN; the quotient truncates toward zero.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([7, -7, 7, -7, 0, 2147483647, -2147483648, -2147483648, 100, 1]);
const B = memory.data<i32>([2, 2, -2, -2, 5, -1, 1, 2, 7, 3]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 10; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(a / b); sp();
    puti(a / 3); sp();
    puti(a / -7); sp();
    puti(a / 1000); sp();
    puti(a / -2147483648);
    putc(10);
  }
  exit(0);
}
