// exit: 0
// i32.sub: two run-time operands (SUB), constant minus value (RSUBI, including negation 0 - x),
// value minus constant (ADDI with the negated constant), and wrap-around.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 10, -1, 7, 2147483647, -2147483648, 1000000, -5]);
const B = memory.data<i32>([0, 3, 1, 9, -1, 1, -2147483648, -5]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(a - b); sp();
    puti(b - a); sp();
    puti(100 - a); sp();
    puti(0 - a); sp();
    puti(-1000000 - a); sp();
    puti(a - 1); sp();
    puti(a - -2147483648);
    putc(10);
  }
  exit(0);
}
