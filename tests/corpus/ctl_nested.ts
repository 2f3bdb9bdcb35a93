// exit: 0
// Nested loops: a multiplication table sum, breaking out of an inner loop only, leaving two loops
// through a flag, and a triple loop counting Pythagorean triples.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([9, 30]);

function sp(): void { putc(32); }

export function kmain(): void {
  const n = load<i32>(D), m = load<i32>(D + 4);
  let sum = 0;
  for (let i = 1; i <= n; i++) for (let j = 1; j <= n; j++) sum += i * j;
  puti(sum); sp();
  // inner break: for each row count columns until i*j exceeds 20
  let cells = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= n; j++) {
      if (i * j > 20) break;
      cells++;
    }
  }
  puti(cells); sp();
  // first (i, j) with i*i + j*j == 100, leaving both loops
  let fi = -1, fj = -1;
  let found = false;
  for (let i = 1; i < 20 && !found; i++) {
    for (let j = i; j < 20; j++) {
      if (i * i + j * j == 100) { fi = i; fj = j; found = true; break; }
    }
  }
  puti(fi); putc(44); puti(fj); sp();
  // Pythagorean triples with a < b < c <= m
  let triples = 0;
  for (let a = 1; a <= m; a++)
    for (let b = a + 1; b <= m; b++)
      for (let c = b + 1; c <= m; c++)
        if (a * a + b * b == c * c) triples++;
  puti(triples);
  putc(10);
  exit(0);
}
