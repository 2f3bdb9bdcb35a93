// exit: 0
// Returning from kmain is exit(0); an early return from inside a loop.
import { putc, puts } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  for (let i = load<i32>(0x500000); i < 100; i++) { // memory starts zeroed
    putc(97 + i);
    if (i == 4) { putc(10); return; }
  }
  puts("not reached\n");
}
