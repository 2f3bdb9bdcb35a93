// exit: 3
// assert(cond, "message") that fails panics with the message as the reason and the assert's
// line as the location (ABORT), listing the recursive calls that led there; passing asserts do
// nothing.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([4, 8, 15, 16, 23, 42]);

function checkFrom(i: i32): void {
  if (i >= 6) return;
  const v = load<i32>(D + (i << 2));
  assert((v & 1) == 0, "value must be even"); // @trap
  puti(v); putc(10);
  checkFrom(i + 1); // @recurse
}

export function kmain(): void {
  checkFrom(0); // @call
  exit(0);
}
