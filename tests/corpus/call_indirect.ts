// exit: 0
// Indirect calls (CALLI) through function references kept in globals and in a table in memory
// (so the optimiser cannot resolve the callee), with 0, 1 and 3 parameters and void results.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puts } from "../../kernel-ts/dev/serial";

type UnOp = (x: i32) => i32;

function add1(x: i32): i32 { return x + 1; }
function dbl(x: i32): i32 { return x * 2; }
function sq(x: i32): i32 { return x * x; }
function neg(x: i32): i32 { return -x; }
function fma(a: i32, b: i32, c: i32): i32 { return a * b + c; }
function fms(a: i32, b: i32, c: i32): i32 { return a * b - c; }
function seven(): i32 { return 7; }
function hello(): void { puts("hello "); }
function bye(): void { puts("bye "); }

let op: UnOp = add1;
let tri: (a: i32, b: i32, c: i32) => i32 = fma;
let say: () => void = hello;

const TABLE: usize = 0x400000;

function put(i: i32, f: UnOp): void { store<usize>(TABLE + (i << 2), changetype<usize>(f)); }
function get(i: i32): UnOp { return changetype<UnOp>(load<usize>(TABLE + (i << 2))); }

function apply(f: UnOp, x: i32): i32 { return f(x); }

export function kmain(): void {
  put(0, add1); put(1, dbl); put(2, sq); put(3, neg);
  const k = load<i32>(0x500000); // memory starts zeroed: k = 0
  for (let i = 0; i < 4; i++) {
    for (let x = -2; x <= 3; x++) { puti(get((i + k) & 3)(x + k)); putc(32); }
    putc(10);
  }
  // compose through the table: neg(sq(dbl(add1(5))))
  let v = 5 + k;
  for (let i = 0; i < 4; i++) v = get(i)(v);
  puti(v); putc(10);
  // globals reassigned at run time
  puti(op(10)); putc(32);
  if (k == 0) op = sq;
  puti(op(10)); putc(32);
  puti(apply(op, 9)); putc(32);
  puti(apply(get(1), 21)); putc(10);
  puti(tri(3, 4, 5)); putc(32);
  if (k == 0) tri = fms;
  puti(tri(3, 4, 5)); putc(10);
  say();
  if (k == 0) say = bye;
  say();
  let f0: () => i32 = seven;
  if (k != 0) f0 = seven;
  puti(f0());
  putc(10);
  exit(0);
}
