// exit: 3
// A trap inside a function reached through a function reference: the frames show the callee and
// the caller's line of the indirect call.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

type BinOp = (a: i32, b: i32) => i32;

function quotient(a: i32, b: i32): i32 {
  if (a < 0) return -quotient(-a, b); // @recurse
  return a / b; // @trap
}
function product(a: i32, b: i32): i32 { return a * b; }

let op: BinOp = product;

function run(f: BinOp, a: i32, b: i32): i32 {
  const r = f(a, b); // @indirect
  puti(r); putc(10);
  return r;
}

export function kmain(): void {
  const z = load<i32>(0x500000); // memory starts zeroed
  run(op, 6, 7 + z);
  if (z == 0) op = quotient;
  run(op, 100, 7 + z);
  run(op, -9, z); // @call
  exit(0);
}
