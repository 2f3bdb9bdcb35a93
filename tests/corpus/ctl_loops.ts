// exit: 0
// for, while and do-while loops; break and continue; a loop that runs zero times; counting down
// with an unsigned counter; an infinite loop left by break.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([10, 0, 3, 17]);

function sp(): void { putc(32); }

export function kmain(): void {
  const n = load<i32>(D), zero = load<i32>(D + 4), three = load<i32>(D + 8), big = load<i32>(D + 12);
  // for with continue: sum of odd i below n
  let s = 0;
  for (let i = 0; i < n; i++) { if ((i & 1) == 0) continue; s += i; }
  puti(s); sp();
  // while with break
  let i = 0;
  while (i < 1000) { if (i * i > big * 10) break; i++; }
  puti(i); sp();
  // do-while runs at least once
  let c = 0;
  do { c++; } while (c < zero);
  puti(c); sp();
  // zero-trip for
  let z = 0;
  for (let j = 0; j < zero; j++) z += 100;
  puti(z); sp();
  // unsigned count down through 0
  let u: u32 = <u32>three;
  let steps = 0;
  while (u != 0) { u--; steps++; }
  puti(steps); sp();
  // infinite loop with break, collatz length of big
  let x = big, len = 0;
  for (;;) {
    if (x == 1) break;
    x = (x & 1) ? 3 * x + 1 : x >> 1;
    len++;
  }
  puti(len); sp();
  // do-while with continue
  let k = 0, odd = 0;
  do {
    k++;
    if (k % 3 == 0) continue;
    odd += k;
  } while (k < n);
  puti(odd); sp();
  putu(<u32>(n - 11));
  putc(10);
  exit(0);
}
