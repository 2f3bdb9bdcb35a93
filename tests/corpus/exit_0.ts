// exit: 0
// exit(0) explicitly, from inside a loop in a called function; nothing after it runs.
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

function finish(n: i32): void {
  for (let i = 0; i < n; i++) {
    putc(48 + i);
    if (i == 3) exit(<u32>(i - 3));
  }
  puts("not reached");
}

export function kmain(): void {
  puts("counting ");
  finish(10 + load<i32>(0x500000)); // memory starts zeroed
  puts(" not reached either");
}
