// exit: 0
// i32.mul: two run-time operands (MUL) and a constant operand (MULI), including negative and large
// constants; the product keeps the low 32 bits.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 1, -1, 3, 65536, 46341, -2147483648, 123456789]);
const B = memory.data<i32>([7, -1, -1, -5, 65536, 46341, -1, 1000]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(a * b); sp();
    putu(<u32>a * <u32>b); sp();
    puti(a * 3); sp();
    puti(a * -7); sp();
    puti(a * 1000003); sp();
    puti(a * 0x7fffffff);
    putc(10);
  }
  exit(0);
}
