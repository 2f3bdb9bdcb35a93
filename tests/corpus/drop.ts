// exit: 0
// Results thrown away (wasm drop): calls whose value is ignored still run their side effects;
// an expression statement with a call inside.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puts } from "../../kernel-ts/dev/serial";

let calls = 0;

function noisy(x: i32): i32 {
  calls++;
  puts("noisy "); puti(x); putc(10);
  store<i32>(0x400000 + (x << 2), x * x);
  return x * 10;
}

export function kmain(): void {
  const n = load<i32>(0x400100) + 3;
  for (let i = 0; i < n; i++) noisy(i);
  noisy(n) + noisy(n + 1);
  puti(calls); putc(32);
  let s = 0;
  for (let i = 0; i <= n + 1; i++) s += load<i32>(0x400000 + (i << 2));
  puti(s); putc(10);
  exit(0);
}
