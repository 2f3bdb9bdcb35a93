// exit: 3
// Unbounded recursion panics with "stack overflow"; the report lists the 16 innermost frames (all
// the same recursive call) and then "...".
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puts } from "../../kernel-ts/dev/serial";

function down(n: i32): i32 {
  if (n == -1) return 0;
  return down(n + 1) + 1; // @trap
}

export function kmain(): void {
  puts("descending\n");
  puti(down(load<i32>(0x500000))); // memory starts zeroed: n never reaches -1
  putc(10);
  exit(0);
}
