// exit: 1
// exit(1): the machine stops with exit code 1 after the output so far.
import { exit } from "../../kernel-ts/arch";
import { puts } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  puts("failing\n");
  exit(1);
  puts("not reached\n");
}
