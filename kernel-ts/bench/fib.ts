// Benchmark: naive recursive fib(24) — calls, returns, small arithmetic. The work runs twice
// (markers 1–2 cold, 3–4 warm: v86 compiles hot code on first use).
import { mark, exit } from "../arch";
import { putu, puts } from "../dev/serial";

function fib(n: i32): i32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

export function kmain(): void {
  const n = 24 + load<i32>(0x400000); // memory is zero: n is 24, but not a compile-time constant
  let r = 0;
  for (let round: u32 = 0; round < 2; round++) {
    mark(1 + 2 * round);
    r = fib(n);
    mark(2 + 2 * round);
  }
  puts("fib(24) = "); putu(<u32>r); puts("\n");
  exit(0);
}
