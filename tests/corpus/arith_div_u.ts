// exit: 0
// i32.div_u: two run-time operands (DIVU) and constant divisors (DIVUI), including a divisor above
// 2^31; operands are unsigned, so -1 is 4294967295.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

const A = memory.data<u32>([7, 0xfffffff9, 100, 0xffffffff, 0x80000000, 0, 12345678, 0x80000001]);
const B = memory.data<u32>([2, 2, 0xffffffff, 1, 0x80000000, 9, 10, 3]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<u32>(A + (i << 2));
    const b = load<u32>(B + (i << 2));
    putu(a / b); sp();
    putu(a / 3); sp();
    putu(a / 10); sp();
    putu(a / 70001); sp();
    putu(a / 0x80000001);
    putc(10);
  }
  exit(0);
}
