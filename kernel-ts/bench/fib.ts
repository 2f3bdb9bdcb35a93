// Benchmark: naive recursive fib(24) — calls, returns, small arithmetic.
import { mark, exit } from "../arch";
import { putu, puts } from "../dev/serial";

function fib(n: i32): i32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

export function kmain(): void {
  const n = 24 + load<i32>(0x400000); // memory is zero: n is 24, but not a compile-time constant
  mark(1);
  const r = fib(n);
  mark(2);
  puts("fib(24) = "); putu(<u32>r); puts("\n");
  exit(0);
}
