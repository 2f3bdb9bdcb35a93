// exit: 0
// && and || evaluate their right side only when needed (side effects show which calls ran),
// conditional expressions with calls in both arms, nested ternaries, and boolean results used as
// numbers.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([0, 1, 2, 3, -1, 5]);

function t(tag: i32, v: bool): bool { putc(tag); return v; }
function num(tag: i32, v: i32): i32 { putc(tag); return v; }

export function kmain(): void {
  for (let i = 0; i < 6; i++) {
    const x = load<i32>(D + (i << 2));
    const p = t(97, x > 0) && t(98, x < 3);
    const q = t(99, x == 0) || t(100, x == 5);
    const r = (t(101, x != 1) && t(102, x != 2)) || t(103, x < 0);
    putc(58);
    puti(<i32>p); puti(<i32>q); puti(<i32>r);
    putc(32);
    const v = x < 0 ? num(110, -x) : x == 0 ? num(122, 100) : x > 2 ? num(98, x * 1000) : num(115, x);
    puti(v);
    putc(32);
    puti(<i32>(x > 1) + <i32>(x > 2) * 2 + <i32>(x != 3) * 4);
    putc(10);
  }
  exit(0);
}
