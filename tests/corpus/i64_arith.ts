// exit: 0
// i64 add, sub, mul and negation with run-time operands: carries and borrows across the 32-bit
// boundary, wrapping at 2^64 and at 2^63; constant operands (immediates); 32x32->64 products,
// unsigned (<u64>a * <u64>b) and signed (<i64>a * <i64>b), against the wrapped 32-bit product;
// and sums and products kept in locals across loops (Fibonacci and factorial mod 2^64).
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
function sp(): void { putc(32); }

const A = memory.data<u64>([
  0x00000000FFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0x0000000100000000,
  0x0000000000000000, 0x8000000000000000, 0x123456789ABCDEF0, 0xFFFFFFFF00000000,
  0x0000000180000000, 0xDEADBEEFCAFEBABE, 0xFFFFFFFF80000000, 0x00000000FFFFFFFF,
]);
const B = memory.data<u64>([
  0x0000000000000001, 0x0000000000000001, 0x0000000000000001, 0x0000000000000001,
  0x0000000000000001, 0x0000000000000001, 0x0FEDCBA987654321, 0x00000000FFFFFFFF,
  0x0000000080000000, 0xFFFFFFFFFFFFFFFE, 0x0000000080000000, 0x00000000FFFFFFFF,
]);
const C = memory.data<u32>([0xFFFFFFFF, 0x80000000, 0x00010000, 0x12345678, 0xFFFFFFFF, 0x00000000, 0x80000000, 0x7FFFFFFF]);
const D = memory.data<u32>([0xFFFFFFFF, 0x00000002, 0x00010000, 0x9ABCDEF0, 0x00000001, 0xFFFFFFFF, 0x80000000, 0x80000000]);
const ZERO: usize = 0x500000; // memory starts zeroed

export function kmain(): void {
  for (let i = 0; i < 12; i++) {
    const a = load<u64>(A + (i << 3));
    const b = load<u64>(B + (i << 3));
    hex64(a + b); sp();
    hex64(a - b); sp();
    hex64(b - a); sp();
    hex64(a * b); sp();
    hex64(<u64>0 - a);
    putc(10);
  }
  for (let i = 0; i < 12; i++) {
    const a = load<u64>(A + (i << 3));
    hex64(a + 1); sp();
    hex64(a + 0x100000000); sp();
    hex64(a - 0xFFFFFFFF); sp();
    hex64(a * 3); sp();
    hex64(a * 0x100000001); sp();
    hex64(a * 0xFFFFFFFFFFFFFFFF);
    putc(10);
  }
  for (let i = 0; i < 8; i++) {
    const c = load<u32>(C + (i << 2));
    const d = load<u32>(D + (i << 2));
    hex64(<u64>c * <u64>d); sp();
    hex64(<u64>(<i64><i32>c * <i64><i32>d)); sp();
    hex64(<u64>(c * d)); sp();
    hex64(<u64>c + <u64>d); sp();
    hex64(<u64>(<i64><i32>c - <i64><i32>d));
    putc(10);
  }
  const n = load<i32>(ZERO) + 100;
  let x: u64 = 0, y: u64 = 1;
  for (let i = 0; i < n; i++) {
    const t = x + y;
    x = y;
    y = t;
    if (i % 25 == 24) { hex64(x); sp(); }
  }
  putc(10);
  let f: u64 = 1;
  let s: i64 = 0;
  for (let i: u64 = 1; i <= <u64>(n / 4); i++) {
    f *= i;
    s -= <i64>(i * 0x123456789);
    if (i % 5 == 0) { hex64(f); sp(); hex64(<u64>s); putc(10); }
  }
  exit(0);
}
