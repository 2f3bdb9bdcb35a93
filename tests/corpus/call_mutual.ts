// exit: 0
// Mutual recursion: isEven/isOdd down to 0 (depth up to 3001), and a Hofstadter female/male
// sequence pair.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const XS = memory.data<i32>([0, 1, 2, 7, 10, 999, 3000, 3001]);

function isEven(n: i32): bool { return n == 0 ? true : isOdd(n - 1); }
function isOdd(n: i32): bool { return n == 0 ? false : isEven(n - 1); }

function F(n: i32): i32 { return n == 0 ? 1 : n - M(F(n - 1)); }
function M(n: i32): i32 { return n == 0 ? 0 : n - F(M(n - 1)); }

export function kmain(): void {
  const base = load<i32>(0x500000); // memory starts zeroed
  for (let i = 0; i < 8; i++) {
    const x = base + load<i32>(XS + (i << 2));
    putc(isEven(x) ? 69 : 79);
    putc(isOdd(x) ? 111 : 101);
    putc(32);
  }
  putc(10);
  for (let i = base; i < 15; i++) { puti(F(i)); putc(44); puti(M(i)); putc(32); }
  putc(10);
  exit(0);
}
