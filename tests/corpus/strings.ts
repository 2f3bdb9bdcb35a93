// exit: 0
// String literals printed with puts (static data, UTF-16 in memory): empty, escapes (tab, quote,
// backslash, newline), a long literal, and .length / charCodeAt on literals.
import { exit } from "../../kernel-ts/arch";
import { putc, puts, putu } from "../../kernel-ts/dev/serial";

const GREETING = "kernel-ts says hello";

function pick(i: i32): string {
  if (i == 0) return "zero";
  if (i == 1) return "one";
  return "many";
}

export function kmain(): void {
  puts(GREETING); putc(10);
  puts(""); puts("[empty above]\n");
  puts("tab:\there, quote:\" backslash:\\ done\n");
  puts("The quick brown fox jumps over the lazy dog. 0123456789 !#$%&'()*+,-./:;<=>?@[]^_`{|}~\n");
  putu(<u32>GREETING.length); putc(32);
  putu(GREETING.charCodeAt(7)); putc(10);
  for (let i = load<i32>(0x500000); i < 4; i++) { puts(pick(i)); putc(32); } // memory starts zeroed
  putc(10);
  exit(0);
}
