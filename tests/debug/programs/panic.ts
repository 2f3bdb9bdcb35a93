// A program for the debugger's tests (tests/debug/): an assertion that fails on the fourth call.
import { exit } from "kernel-ts/arch";

function check(v: u32): void {
  assert(v < 3, "too big");
}

export function kmain(): void {
  for (let i: u32 = 0; i < 5; i++) check(i);
  exit(0);
}
