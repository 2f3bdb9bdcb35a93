// exit: 0
// i32.xor: two run-time operands (XOR) and constant operands (XORI), including x ^ -1 (bitwise
// not) and a large constant.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const A = memory.data<u32>([0, 0xffffffff, 0x12345678, 0x80000001, 0xdeadbeef, 0x0f0f0f0f]);
const B = memory.data<u32>([0, 0xffffffff, 0xff00ff00, 0x80000001, 0x0000ffff, 0xf0f0f0f0]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 6; i++) {
    const a = load<u32>(A + (i << 2));
    const b = load<u32>(B + (i << 2));
    puthex(a ^ b); sp();
    puthex(~a); sp();
    puthex(a ^ 0x55); sp();
    puthex(a ^ 0xa5a5a5a5);
    putc(10);
  }
  exit(0);
}
