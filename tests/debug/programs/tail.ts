// A program for the debugger's tests (tests/debug/): a void function that ends in a loop (its
// last instruction is on the loop's first line), its locals read on the lines below.
import { exit } from "kernel-ts/arch";

let total: u32 = 0;

function f(n: u32): void {
  const m = n * 2;
  for (let i: u32 = 0; i < n; i++) {
    total += m;
  }
}

export function kmain(): void {
  f(3);
  exit(0);
}
