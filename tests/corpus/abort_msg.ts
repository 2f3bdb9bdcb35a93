// exit: 3
// Calling abort(message) directly panics with the message; with no file given, the location is
// the innermost frame's line.
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  puts("before"); putc(10);
  if (load<i32>(0x500000) == 0) abort("kernel gave up"); // @trap
  puts("after"); putc(10);
  exit(0);
}
