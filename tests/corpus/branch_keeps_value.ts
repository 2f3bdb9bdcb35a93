// exit: 0
// A value computed before a branch on another value, used after the branch on both of its paths
// (the compiling tier keeps it in eax across a branch that tests a slot in memory).
import { exit } from "../../kernel-ts/arch";
import { putu, puts } from "../../kernel-ts/dev/serial";

function f(a: u32, b: u32, c: u32): u32 {
  let x = a * b;
  if (c) { putu(x); puts(" "); }
  return x ^ c;
}

export function kmain(): void {
  let s: u32 = 0;
  // f(1000, 7, 0) = 7000 (prints nothing); f(1001, 7, 1) prints 7007, is 7006;
  // f(1002, 7, 2) prints 7014, is 7012: 21018 in all.
  for (let i: u32 = 0; i < 3; i++) s += f(i + 1000, 7, i);
  putu(s); puts("\n");
  exit(0);
}
