// exit: 0
// i32.rem_u: two run-time operands (REMU) and constant divisors (REMUI), including a divisor above
// 2^31.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

const A = memory.data<u32>([7, 0xfffffff9, 100, 0xffffffff, 0x80000000, 0, 12345678, 0xfffffffe]);
const B = memory.data<u32>([3, 10, 0xffffffff, 7, 0x80000000, 9, 1000, 0x80000001]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<u32>(A + (i << 2));
    const b = load<u32>(B + (i << 2));
    putu(a % b); sp();
    putu(a % 3); sp();
    putu(a % 10); sp();
    putu(a % 0x80000001);
    putc(10);
  }
  exit(0);
}
