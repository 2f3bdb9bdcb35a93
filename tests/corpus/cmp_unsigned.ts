// exit: 0
// Unsigned comparisons as values (i32.lt_u gt_u le_u ge_u with two run-time operands: LTU GTU LEU
// GEU): 0xFFFFFFFF is the largest value and 0x80000000 is above 0x7FFFFFFF.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<u32>([0, 0xffffffff, 1, 0x80000000, 0x7fffffff, 0x80000000, 5, 0xfffffffb]);
const B = memory.data<u32>([0, 0, 0xffffffff, 0x7fffffff, 0x80000000, 0x80000000, 7, 0xfffffff9]);

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<u32>(A + (i << 2));
    const b = load<u32>(B + (i << 2));
    puti(<i32>(a < b));
    puti(<i32>(a > b));
    puti(<i32>(a <= b));
    puti(<i32>(a >= b));
    putc(10);
  }
  exit(0);
}
