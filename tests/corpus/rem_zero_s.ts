// exit: 3
// i32.rem_s by a run-time zero panics with "integer divide by zero" (even for INT_MIN % 0), at
// the line of the %, inside a function called from kmain.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([-2147483648, -1, 3, 0]);

function remainders(n: i32): void {
  const a = load<i32>(D);
  for (let i = 1; i <= n; i++) {
    puti(a % load<i32>(D + (i << 2))); // @trap
    putc(10);
  }
  if (n > 0) remainders(n - 1); // @recurse
}

export function kmain(): void {
  remainders(3); // @call
  exit(0);
}
