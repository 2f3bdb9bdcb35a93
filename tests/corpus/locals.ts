// exit: 0
// Many locals live at once (more than fit in a few registers), swaps through a temporary, block
// scoped `let` shadowing, and locals that stay zero-initialised (ZERO on entry).
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([3, 5, 7, 11, 13]);

function sp(): void { putc(32); }

function mix(seed: i32): i32 {
  let a = seed, b = seed + 1, c = seed * 2, d = seed - 3, e = seed ^ 0x55, f = seed << 3;
  let g = 0, h = 0, k = 0, l = 0, m = 0, n = 0;
  for (let i = 0; i < 5; i++) {
    g += a; h += b * i; k ^= c + i; l -= d; m += e & i; n |= f >> i;
    const t = a; a = b; b = c; c = d; d = e; e = f; f = t;
  }
  return g + h * 3 + k * 5 + l * 7 + m * 11 + n * 13 + a - b + c - d + e - f;
}

export function kmain(): void {
  for (let i = 0; i < 5; i++) {
    const v = load<i32>(D + (i << 2));
    puti(mix(v)); sp();
  }
  putc(10);
  let x = load<i32>(D);
  {
    let x = load<i32>(D + 4) * 100;
    puti(x); sp();
  }
  puti(x); sp();
  let unset: i32;
  let sum = 0;
  for (let i = 0; i < 3; i++) { unset = i * x; sum += unset; }
  puti(sum);
  putc(10);
  exit(0);
}
