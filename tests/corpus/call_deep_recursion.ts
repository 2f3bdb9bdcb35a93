// exit: 0
// Deep recursion succeeds: depth 5000 (sum of 1..5000 computed on the way back), and depth 5000
// with an accumulator passed down.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

function sumTo(n: i32): i32 {
  if (n == 0) return 0;
  const below = sumTo(n - 1);
  return below + n;
}

function depth(n: i32, acc: u32): u32 {
  if (n == 0) return acc;
  return depth(n - 1, acc * 31 + <u32>n);
}

export function kmain(): void {
  const n = 5000 + load<i32>(0x500000); // memory starts zeroed
  puti(sumTo(n)); putc(10);
  putu(depth(n, 7)); putc(10);
  exit(0);
}
