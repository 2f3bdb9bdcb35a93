// exit: 0
// 64-bit values as call parameters and results: several u64/i64 parameters mixed with i32 ones in
// various orders (the callees recurse, so they are not inlined), an i64 result used by the caller,
// recursion carrying a 64-bit accumulator (a 64-bit Fibonacci, a multiply-by-squaring power mod
// 2^64), and indirect calls through function references (a: u64, b: u32) => u64 kept in a global
// and in a table in memory.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
function sp(): void { putc(32); }

type Op = (a: u64, b: u32) => u64;

const V = memory.data<u64>([0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x8000000000000000, 0x00000000FFFFFFFF, 0xFFFFFFFF00000001]);
const ZERO: usize = 0x500000; // memory starts zeroed
const TABLE: usize = 0x400000;

function v(i: i32): u64 { return load<u64>(V + (i << 3)); }

/** Parameters u64, i32, i64, u32, u64: each reaches its own slot (the mix is asymmetric). */
function mix(a: u64, x: i32, b: i64, y: u32, c: u64, depth: i32): u64 {
  if (depth > 0) return mix(c, x + 1, <i64>a, y ^ 0xFF, <u64>b, depth - 1) + 1;
  return a * 3 + <u64>x * 0x100000001 + <u64>(b >> 4) - (<u64>y << 40) + (c ^ 0xFFFF0000FFFF0000);
}

/** i32 first, then u64s, then i32s: the result is a u32 computed from 64-bit arguments. */
function fold(n: i32, a: u64, b: u64, c: i64, k: u32, depth: i32): u32 {
  if (depth > 0) return fold(n ^ 1, b, a, c, k + 1, depth - 1);
  return <u32>(a >> <u64>n) ^ <u32>(b >> 32) ^ <u32>c ^ k;
}

/** An i64 result and a 64-bit accumulator across recursion. */
function fib(n: i32, a: u64, b: u64): u64 { return n == 0 ? a : fib(n - 1, b, a + b); }
function power(base: u64, e: u32): u64 {
  if (e == 0) return 1;
  const h = power(base, e >> 1);
  return (e & 1) != 0 ? h * h * base : h * h;
}
/** Signed: -1^n * n! as i64, by recursion. */
function sfact(n: i64): i64 { return n <= 1 ? 1 : -n * sfact(n - 1); }

function addk(a: u64, b: u32): u64 { return a + (<u64>b << 32); }
function shl(a: u64, b: u32): u64 { return a << <u64>b; }
function mulk(a: u64, b: u32): u64 { return a * <u64>b; }
function rot(a: u64, b: u32): u64 { return rotr<u64>(a, <u64>b); }

let op: Op = addk;

function put(i: i32, f: Op): void { store<usize>(TABLE + (i << 2), changetype<usize>(f)); }
function get(i: i32): Op { return changetype<Op>(load<usize>(TABLE + (i << 2))); }
function apply(f: Op, a: u64, b: u32): u64 { return f(a, b); }

export function kmain(): void {
  const z = load<i32>(ZERO);
  for (let d = 0; d < 3; d++) {
    hex64(mix(v(0), -2 + z, <i64>v(1), 0x80000001, v(2), d)); sp();
    hex64(mix(v(3), 7, -1, 0, v(4), d + z)); putc(10);
  }
  for (let d = 0; d < 4; d++) { hex32(fold(d, v(0), v(1), <i64>v(4), 0x1000, d)); sp(); }
  putc(10);
  hex64(fib(50 + z, 0, 1)); sp();
  hex64(fib(93 + z, 0, 1)); sp();
  hex64(fib(100 + z, 0, 1)); putc(10);
  hex64(power(3 + <u64>z, 40)); sp();
  hex64(power(3, 41 + <u32>z)); sp();
  hex64(power(0x100000001, 5)); sp();
  hex64(power(v(4), 63 + <u32>z)); putc(10);
  hex64(<u64>sfact(5 + <i64>z)); sp();
  hex64(<u64>sfact(20 + <i64>z)); sp();
  hex64(<u64>sfact(21 + <i64>z)); putc(10);
  put(0, addk); put(1, shl); put(2, mulk); put(3, rot);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) { hex64(get((i + z) & 3)(v(j), <u32>(j * 31 + 1))); sp(); }
    putc(10);
  }
  let acc: u64 = v(0);
  for (let i = 0; i < 4; i++) acc = get(i)(acc, 3);
  hex64(acc); sp();
  hex64(op(v(3), 1)); sp();
  if (z == 0) op = rot;
  hex64(op(v(3), 1)); sp();
  hex64(apply(op, v(0), 68)); sp();
  hex64(apply(get(2), v(4), 0xFFFFFFFF)); putc(10);
  exit(0);
}
