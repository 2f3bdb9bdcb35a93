// exit: 0
// Function references as values: a top-level StaticArray of functions (a dispatch table in static
// data), references passed to a generic higher-order function, a reference returned from a
// function, and a reference compared with null.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

type BinOp = (a: i32, b: i32) => i32;

function add(a: i32, b: i32): i32 { return a + b; }
function sub(a: i32, b: i32): i32 { return a - b; }
function mul(a: i32, b: i32): i32 { return a * b; }

const OPS: StaticArray<BinOp> = [add, sub, mul];

function fold<T>(xs: StaticArray<T>, init: T, f: (acc: T, x: T) => T): T {
  let acc = init;
  for (let i = 0; i < xs.length; i++) acc = f(acc, xs[i]);
  return acc;
}

const NUMS: StaticArray<i32> = [3, -4, 5, 6];

function pick(name: u32): BinOp | null {
  if (name == 43) return add;
  if (name == 42) return mul;
  return null;
}

export function kmain(): void {
  const k = load<i32>(0x400000); // 0 at run time
  for (let i = 0; i < OPS.length; i++) { puti(OPS[i + k](7, 3)); putc(32); }
  putc(10);
  puti(fold<i32>(NUMS, 0, add)); putc(32); puti(fold<i32>(NUMS, 1, mul)); putc(32); puti(fold<i32>(NUMS, 100, sub)); putc(10);
  const m = pick(42 + k);
  puti(m ? m(6, 7) : -1); putc(32);
  const none = pick(0);
  puti(none ? none(1, 1) : -1); putc(10);
  exit(0);
}
