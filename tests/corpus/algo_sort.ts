// exit: 0
// Sorting 200 pseudo-random signed words in memory with insertion sort and with a recursive
// quicksort; both results are checked sorted and compared, and a few elements printed.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

const A: usize = 0x400000;
const B: usize = 0x410000;
const N = 200;

let state: u32 = 2463534242;
function xorshift(): u32 {
  let x = state;
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  state = x;
  return x;
}

function at(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
function set(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

function insertion(p: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    const v = at(p, i);
    let j = i - 1;
    while (j >= 0 && at(p, j) > v) { set(p, j + 1, at(p, j)); j--; }
    set(p, j + 1, v);
  }
}

function quick(p: usize, lo: i32, hi: i32): void {
  if (lo >= hi) return;
  const pivot = at(p, (lo + hi) >>> 1);
  let i = lo, j = hi;
  while (i <= j) {
    while (at(p, i) < pivot) i++;
    while (at(p, j) > pivot) j--;
    if (i <= j) { const t = at(p, i); set(p, i, at(p, j)); set(p, j, t); i++; j--; }
  }
  quick(p, lo, j);
  quick(p, i, hi);
}

export function kmain(): void {
  for (let i = 0; i < N; i++) { const v = <i32>xorshift() >> 8; set(A, i, v); set(B, i, v); }
  insertion(A, N);
  quick(B, 0, N - 1);
  let sorted = true, same = true;
  for (let i = 0; i < N; i++) {
    if (i > 0 && at(A, i - 1) > at(A, i)) sorted = false;
    if (at(A, i) != at(B, i)) same = false;
  }
  putc(sorted ? 83 : 115); putc(same ? 69 : 101); putc(10);
  puti(at(A, 0)); putc(32); puti(at(A, 1)); putc(32); puti(at(A, N / 2)); putc(32); puti(at(A, N - 1)); putc(10);
  let h: u32 = 0;
  for (let i = 0; i < N; i++) h = h * 31 + <u32>at(B, i);
  putu(h); putc(10);
  exit(0);
}
