// exit: 3
// i32.div_s by a run-time zero panics with "integer divide by zero" at the division's line, with
// the frames of the calls that led there (a recursive helper, so it is not inlined). Output
// written before the panic is kept.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([7, 0]);

function divide(a: i32, b: i32, depth: i32): i32 {
  if (depth > 0) return divide(a, b, depth - 1); // @recurse
  return a / b; // @trap
}

export function kmain(): void {
  const a = load<i32>(D), b = load<i32>(D + 4);
  puti(divide(a * 6, 2, b)); putc(10);
  puti(divide(-a * 6, 4, 2)); putc(10);
  puti(divide(a, b, 1)); // @call
  putc(10);
  exit(0);
}
