import { exit } from "kernel-ts/arch";

let zero: u32 = 0;

function div(a: u32, b: u32): u32 {
  return a / b;
}

export function kmain(): void {
  const q = div(10, zero);
  exit(q);
}
