import { exit } from "kernel-ts/arch";

let total: u32 = 0;

function f(n: u32): void {
  const m = n * 2;
  for (let i: u32 = 0; i < 3; i++) {
    total += m;
  }
}

export function kmain(): void {
  f(5);
  exit(0);
}
