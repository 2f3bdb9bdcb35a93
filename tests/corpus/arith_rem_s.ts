// exit: 0
// i32.rem_s: two run-time operands (REMS) and constant divisors (REMSI); the remainder has the
// dividend's sign. INT_MIN % -1 is 0 and does not trap.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([7, -7, 7, -7, 0, 2147483647, -2147483648, -2147483648, 100, 5]);
const B = memory.data<i32>([3, 3, -3, -3, 5, 10, -1, 3, 7, 9]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 10; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(a % b); sp();
    puti(a % 3); sp();
    puti(a % -10); sp();
    puti(a % 1000);
    putc(10);
  }
  exit(0);
}
