// exit: 0
// Top-level `let`/`const` with run-time initialisers become a start function that runs before
// kmain, in declaration order; its output comes first.
import { exit } from "../../kernel-ts/arch";
import { putc, puts, puti } from "../../kernel-ts/dev/serial";

let order = 0;

function compute(tag: i32): i32 {
  puts("init "); puti(tag); putc(10);
  order = order * 10 + tag;
  return tag * 100 + load<i32>(0x500000); // memory starts zeroed
}

let first = compute(1);
const second = compute(2);
let table: i32 = first + second;

export function kmain(): void {
  puts("kmain "); puti(first); putc(32); puti(second); putc(32); puti(table); putc(32); puti(order); putc(10);
  first++;
  puti(first); putc(10);
  exit(0);
}
