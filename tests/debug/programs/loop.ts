// A program for the debugger's tests (tests/debug/): a function called from a loop, a call chain
// to step through, a global, memory at a known address. Line numbers matter to the tests.
import { exit } from "kernel-ts/arch";
import { puts, putu } from "kernel-ts/dev/serial";

let calls: u32 = 0;

function square(x: u32): u32 {
  calls++;
  const y = x * x;
  return y;
}

function sum(n: u32): u32 {
  let s: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    s += square(i);
  }
  return s;
}

export function kmain(): void {
  store<u32>(0x300000, 0xdeadbeef);
  const total = sum(4);
  puts("total "); putu(total); puts("\n");
  exit(0);
}
