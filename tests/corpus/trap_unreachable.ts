// exit: 3
// unreachable() panics with "unreachable executed" (TRAP), at its line, with the caller's frame.
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

function check(x: i32, depth: i32): void {
  if (depth > 0) { check(x, depth - 1); return; } // @recurse
  if (x > 2) unreachable(); // @trap
  puts("ok "); putc(48 + x); putc(10);
}

export function kmain(): void {
  const base = load<i32>(0x500000); // memory starts zeroed
  for (let i = base; i < 5; i++) check(i, 1); // @call
  exit(0);
}
