// exit: 0
// Calls with many parameters (8 and 12): arguments arrive in order, the callee permutes and
// recurses, and the result comes back through the caller's window.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

function v(i: i32): i32 { return load<i32>(D + (i << 2)); }

function weave(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32, n: i32): i32 {
  if (n == 0) return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
  return weave(h, a, b, c, d, e, f, g, n - 1) * 3 - n;
}

function digits12(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32, i: i32, j: i32, k: i32, l: i32, depth: i32): i32 {
  if (depth > 0) return digits12(l, k, j, i, h, g, f, e, d, c, b, a, depth - 1) + 1;
  puti(a); putc(44); puti(b); putc(44); puti(c); putc(44); puti(d); putc(44); puti(e); putc(44); puti(f); putc(44);
  puti(g); putc(44); puti(h); putc(44); puti(i); putc(44); puti(j); putc(44); puti(k); putc(44); puti(l); putc(32);
  return a * 100 + l;
}

export function kmain(): void {
  for (let n = 0; n < 4; n++) {
    puti(weave(v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), n));
    putc(10);
  }
  puti(digits12(v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(8), v(9), v(10), v(11), 0)); putc(10);
  puti(digits12(v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(8), v(9), v(10), v(11), 3)); putc(10);
  exit(0);
}
