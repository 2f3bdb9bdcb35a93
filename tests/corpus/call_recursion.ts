// exit: 0
// Recursion: naive Fibonacci, factorial (wrapping at 2^32), Ackermann, recursive gcd and a
// recursive binary search over static data.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

const SORTED = memory.data<i32>([-40, -7, 0, 3, 9, 15, 22, 31, 48, 60, 77, 91]);

function fib(n: i32): i32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function fact(n: u32): u32 { return n <= 1 ? 1 : n * fact(n - 1); }
function ack(m: i32, n: i32): i32 {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}
function gcd(a: u32, b: u32): u32 { return b == 0 ? a : gcd(b, a % b); }
function find(key: i32, lo: i32, hi: i32): i32 {
  if (lo > hi) return -1;
  const mid = (lo + hi) >> 1;
  const v = load<i32>(SORTED + (mid << 2));
  if (v == key) return mid;
  return v < key ? find(key, mid + 1, hi) : find(key, lo, mid - 1);
}

function sp(): void { putc(32); }

export function kmain(): void {
  const n = load<i32>(SORTED + 16); // 9
  for (let i = 0; i <= n * 2; i += 3) { puti(fib(i)); sp(); }
  putc(10);
  putu(fact(<u32>n + 3)); sp(); putu(fact(13)); sp(); putu(fact(<u32>n * 4)); putc(10);
  puti(ack(2, n - 6)); sp(); puti(ack(3, n - 6)); putc(10);
  putu(gcd(1071, 462)); sp(); putu(gcd(<u32>n * 1000, 360)); sp(); putu(gcd(17, <u32>n)); putc(10);
  for (let i = 0; i < 5; i++) {
    const key = load<i32>(SORTED + ((i * 5) % 12 << 2)) + (i & 1);
    puti(key); putc(58); puti(find(key, 0, 11)); sp();
  }
  putc(10);
  exit(0);
}
