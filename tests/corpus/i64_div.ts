// exit: 0
// i64 div and rem, signed and unsigned, with run-time operands: negative operands (the quotient
// truncates toward zero, the remainder takes the dividend's sign), divisors above 2^32 (not a
// plain 64/32 divide), dividends below the divisor, powers of two, INT64_MIN by 1, -2, 2^63 and
// INT64_MIN % -1 (0, no trap); then constant divisors (10, 3, -7, 8, 2^32, 2^32 + 3).
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
/** v in signed decimal, digits peeled off 32 bits at a time where they fit. */
function dec64(v: i64): void {
  if (v < 0) putc(45);
  let u: u64 = v < 0 ? <u64>0 - <u64>v : <u64>v;
  let n: u32 = 0;
  do { store<u8>(DIGITS + n, 48 + <u32>(u % 10)); u /= 10; n++; } while (u != 0);
  while (n > 0) { n--; putc(load<u8>(DIGITS + n)); }
}
function sp(): void { putc(32); }

const DIGITS: usize = 0x410000;
const N = 22;
const A = memory.data<u64>([
  7, 0xFFFFFFFFFFFFFFF9, 7, 0xFFFFFFFFFFFFFFF9,
  0x123456789ABCDEF0, 0x123456789ABCDEF0, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF,
  5, 0x0000000100000000, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000,
  0xFEDCBA9876543210, 0xFEDCBA9876543210, 0x8000000000000000, 0xFFFFFFFF00000000,
  1000000000000000000, 0xFFFFFFFFFFFFFFFF, 0x8000000000000001, 0,
  0x8000000000000000, 0x0000000000000400,
]);
const B = memory.data<u64>([
  2, 2, 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFE,
  0x0000000100000000, 0x0000000100000001, 0x00000000FFFFFFFF, 0x0000000100000000,
  0x0000000100000000, 0x0000000100000001, 0x7FFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF,
  0x0000000012345678, 0x0000001234567890, 0x8000000000000000, 0x0000000080000000,
  1000000007, 3, 0xFFFFFFFF00000001, 0x8000000000000000,
  0x0000000000000001, 0x0000000000000020,
]);
const M = memory.data<i64>([0x8000000000000000, -1, 1, -2, 2, 3]);

export function kmain(): void {
  for (let i = 0; i < N; i++) {
    const a = load<u64>(A + (i << 3));
    const b = load<u64>(B + (i << 3));
    dec64(<i64>a / <i64>b); sp();
    dec64(<i64>a % <i64>b); sp();
    hex64(a / b); sp();
    hex64(a % b);
    putc(10);
  }
  const min = load<i64>(M);
  for (let i = 1; i < 6; i++) {
    const d = load<i64>(M + (i << 3));
    if (d != -1) { dec64(min / d); sp(); }
    dec64(min % d); sp();
    hex64(<u64>min / <u64>d); sp();
    hex64(<u64>min % <u64>d);
    putc(10);
  }
  for (let i = 0; i < N; i++) {
    const a = load<u64>(A + (i << 3));
    const s = <i64>a;
    dec64(s / 10); sp();
    dec64(s % 10); sp();
    dec64(s / 3); sp();
    dec64(s / -7); sp();
    dec64(s % -7); sp();
    dec64(s / 8); sp();
    dec64(s % 8); sp();
    hex64(a / 10); sp();
    hex64(a % 10); sp();
    hex64(a / 0x100000000); sp();
    hex64(a % 0x100000000); sp();
    hex64(a / 0x100000003); sp();
    hex64(a % 0x100000003);
    putc(10);
  }
  exit(0);
}
