// exit: 0
// Signed comparisons as values (i32.lt_s gt_s le_s ge_s with two run-time operands: LTS GTS LES
// GES), around 0, -1, INT_MIN and INT_MAX.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, -1, 1, -2147483648, 2147483647, -2147483648, 5, -5]);
const B = memory.data<i32>([0, 0, -1, 2147483647, -2147483648, -2147483648, 7, -7]);

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(<i32>(a < b));
    puti(<i32>(a > b));
    puti(<i32>(a <= b));
    puti(<i32>(a >= b));
    putc(10);
  }
  exit(0);
}
