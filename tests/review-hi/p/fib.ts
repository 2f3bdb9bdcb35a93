import { exit } from "kernel-ts/arch";
import { puts, putu } from "kernel-ts/dev/serial";

function fib(n: u32): u32 {
  if (n < 2) return n;
  const a = fib(n - 1);
  const b = fib(n - 2);
  return a + b;
}

let big: u64 = 0xffffffff_00000001;
let neg: i32 = -5;

export function kmain(): void {
  const r = fib(5);
  let w: u64 = <u64>r * 0x100000000;
  puts("fib "); putu(r); puts("\n");
  big += w;
  exit(0);
}
