// exit: 0
// Compare-and-branch on two run-time operands: every relation in an `if` (the translator fuses
// the compare into BEQ BNE BLTS BLTU BGTS BGTU BLES BLEU BGES BGEU), signed and unsigned. Each
// true relation prints its letter.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 1, -1, 5, -2147483648, 2147483647, -1, 7]);
const B = memory.data<i32>([0, -1, 1, 5, 2147483647, -2147483648, -2147483648, 9]);

export function kmain(): void {
  for (let i = 0; i < 8; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    const ua = <u32>a, ub = <u32>b;
    if (a == b) putc(65);
    if (a != b) putc(66);
    if (a < b) putc(67);
    if (a > b) putc(68);
    if (a <= b) putc(69);
    if (a >= b) putc(70);
    if (ua < ub) putc(71);
    if (ua > ub) putc(72);
    if (ua <= ub) putc(73);
    if (ua >= ub) putc(74);
    putc(10);
  }
  exit(0);
}
