// exit: 0
// -2147483648 % -1 is 0 and does not trap (i32.rem_s), with run-time operands and with the
// constant -1; also % by INT_MIN and by 1.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([-2147483648, -1, 2147483647, 1]);

function sp(): void { putc(32); }

export function kmain(): void {
  const m = load<i32>(D), n1 = load<i32>(D + 4), mx = load<i32>(D + 8), one = load<i32>(D + 12);
  puti(m % n1); sp();
  puti(m % -1); sp();
  puti(mx % n1); sp();
  puti(m % m); sp();
  puti(mx % m); sp();
  puti(m % mx); sp();
  puti(m % one); sp();
  puti(n1 % m);
  putc(10);
  exit(0);
}
