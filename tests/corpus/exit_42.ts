// exit: 42
// exit with a code computed at run time (6 * 7), from a recursive call several levels deep.
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

function down(n: i32, acc: u32): void {
  putc(48 + n);
  if (n == 0) exit(acc);
  down(n - 1, acc + 7);
  puts("not reached");
}

export function kmain(): void {
  down(6 + load<i32>(0x500000), 0); // memory starts zeroed
  putc(10);
}
