// exit: 0
// All ten i64 compares as values (eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u, one digit each)
// and as branch conditions, on pairs across the 2^63 boundary (0x7FFFFFFFFFFFFFFF vs
// 0x8000000000000000, -1 vs 0), pairs differing only in the low word (where the low word's top
// bit must compare unsigned even for signed compares) or only in the high word, equal pairs;
// then compares with constants (immediates).
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function flag(b: bool): void { putc(48 + <u32>b); }
function sp(): void { putc(32); }

const N = 18;
const A = memory.data<u64>([
  0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 0x0000000000000000,
  0x0000000000000005, 0x0000000100000000, 0x1234567800000001, 0x12345678FFFFFFFF,
  0x1234567880000000, 0x0000000100000000, 0x8000000000000000, 0xFFFFFFFF00000005,
  0x0000000000000005, 0xFFFFFFFF00000000, 0x8000000000000000, 0xFFFFFFFFFFFFFFFE,
  0xFFFFFFFF7FFFFFFF, 0x8000000000000000,
]);
const B = memory.data<u64>([
  0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 0x0000000000000000, 0xFFFFFFFFFFFFFFFF,
  0x0000000000000005, 0x00000000FFFFFFFF, 0x1234567800000002, 0x1234567800000000,
  0x123456787FFFFFFF, 0x0000000200000000, 0x0000000000000000, 0x7FFFFFFF00000005,
  0xFFFFFFFF00000005, 0xFFFFFFFFFFFFFFFF, 0x8000000000000001, 0xFFFFFFFFFFFFFFFF,
  0xFFFFFFFF80000000, 0x8000000000000000,
]);

function branches(a: u64, b: u64): u32 {
  let m: u32 = 0;
  const s = <i64>a, t = <i64>b;
  if (a == b) m |= 1;
  if (a != b) m |= 2;
  if (s < t) m |= 4;
  if (a < b) m |= 8;
  if (s > t) m |= 16;
  if (a > b) m |= 32;
  if (s <= t) m |= 64;
  if (a <= b) m |= 128;
  if (s >= t) m |= 256;
  if (a >= b) m |= 512;
  return m;
}

export function kmain(): void {
  for (let i = 0; i < N; i++) {
    const a = load<u64>(A + (i << 3));
    const b = load<u64>(B + (i << 3));
    const s = <i64>a, t = <i64>b;
    flag(a == b); flag(a != b); sp();
    flag(s < t); flag(a < b); sp();
    flag(s > t); flag(a > b); sp();
    flag(s <= t); flag(a <= b); sp();
    flag(s >= t); flag(a >= b); sp();
    const m = branches(a, b);
    for (let k = 0; k < 10; k++) flag(((m >> <u32>k) & 1) != 0);
    sp();
    // constants: the sign, above 2^32 - 1, equal to 2^63, at least 2^32 signed, below -2^32
    flag(s < 0); flag(a > 0xFFFFFFFF); flag(a == 0x8000000000000000); flag(s >= 0x100000000);
    flag(s < -0x100000000); flag(a <= 0x7FFFFFFFFFFFFFFF); flag(a != 0xFFFFFFFF00000000);
    putc(10);
  }
  exit(0);
}
