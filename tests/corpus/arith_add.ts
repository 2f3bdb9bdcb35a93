// exit: 0
// i32.add: two run-time operands (ADD) and a constant operand (ADDI) — small, negative and large
// constants, x - C (also ADDI), and wrap-around at 2^31 and 2^32.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 1, -1, 5, 2147483647, -2147483648, 123456789, -99999]);
const B = memory.data<i32>([0, 2, 1, -7, 1, -1, 987654321, 100000]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(a + b); sp();
    puti(b + a); sp();
    puti(a + 5); sp();
    puti(a - 300); sp();
    puti(a + 0x12345678); sp();
    puti(a - 0x7fffffff);
    putc(10);
  }
  exit(0);
}
