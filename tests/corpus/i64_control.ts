// exit: 0
// 64-bit values through control flow: select (select<u64>(a, b, c), and ternaries on simple u64
// and i64 values: max/min signed and unsigned, abs), if-else expressions whose blocks produce a
// u64, br_table on <u32>(x >> 32) and on a wrapped value with arms returning u64 constants, and
// 64-bit locals carried across loops: a u64 counter stepping over the 32-bit boundary, a Collatz
// walk on u64 and a loop whose exit test is a 64-bit compare.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
function sp(): void { putc(32); }

const N = 7;
const A = memory.data<u64>([3, 0xFFFFFFFFFFFFFFFD, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0x00000001FFFFFFFF, 0, 0x0000000500000000]);
const B = memory.data<u64>([5, 0x0000000000000005, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 0x0000000200000000, 0, 0x00000004FFFFFFFF]);
const ZERO: usize = 0x500000; // memory starts zeroed

function maxs(a: i64, b: i64): i64 { return a > b ? a : b; }
function mins(a: i64, b: i64): i64 { return a < b ? a : b; }
function maxu(a: u64, b: u64): u64 { return a > b ? a : b; }
function minu(a: u64, b: u64): u64 { return a < b ? a : b; }
function abs64(a: i64): i64 { return a < 0 ? -a : a; }
function pick(a: u64, b: u64, c: i32): u64 { return select<u64>(a, b, c); }

/** A br_table on the high word; every arm returns a different 64-bit constant. */
function byHigh(x: u64): u64 {
  switch (<u32>(x >> 32)) {
    case 0: return 0x1111111111111111;
    case 1: return 0x00000000FFFFFFFF;
    case 2: return 0xFFFFFFFF00000000;
    case 3: return 0x8000000000000000;
    case 4: return x + 0x100000000;
    case 5: return ~x;
    default: return x >> 1;
  }
}

/** A br_table on the wrapped low word (offset: the cases start at 10). */
function byLow(x: u64): u64 {
  switch (<i32>x) {
    case 10: return 1;
    case 11: return <u64>-1;
    case 12: return 0x100000000;
    case 13: return 0x7FFFFFFFFFFFFFFF;
    default: return 0;
  }
}

/** An if-else whose arms both produce a u64, the result used by the caller. */
function classify(a: u64, b: u64): u64 {
  let r: u64;
  if (<i64>a < 0) r = a ^ b;
  else if (a > b) r = a - b;
  else r = (b - a) << 4;
  return r;
}

export function kmain(): void {
  const z = load<u64>(ZERO);
  for (let i = 0; i < N; i++) {
    const a = load<u64>(A + (i << 3));
    const b = load<u64>(B + (i << 3));
    hex64(<u64>maxs(<i64>a, <i64>b)); sp();
    hex64(<u64>mins(<i64>a, <i64>b)); sp();
    hex64(maxu(a, b)); sp();
    hex64(minu(a, b)); sp();
    hex64(<u64>abs64(<i64>a)); sp();
    hex64(pick(a, b, <i32>(a & 1))); sp();
    hex64(pick(a, b, <i32>(a >> 32))); sp();
    hex64(classify(a, b));
    putc(10);
  }
  for (let k: u64 = z; k < 8; k++) {
    const x = (k << 32) | (k + 9);
    hex64(byHigh(x)); sp();
    hex64(byLow(x)); sp();
    hex64(byLow(x + 0x100000000)); putc(10);
  }
  // a u64 counter stepping over 2^32: four iterations below, four above
  let s: u64 = 0;
  let count: u32 = 0;
  for (let c: u64 = <u64>0x3FFFFFFF + z; c < 0x200000000; c += 0x40000000) {
    s += c;
    count++;
  }
  hex32(count); sp(); hex64(s); putc(10);
  // Collatz from 0x2E3B5C1 (long walk): steps, peak
  let x: u64 = 0x2E3B5C1 + z, peak: u64 = 0;
  let steps: u32 = 0;
  while (x != 1) {
    x = (x & 1) ? 3 * x + 1 : x >> 1;
    if (x > peak) peak = x;
    steps++;
  }
  hex32(steps); sp(); hex64(peak); putc(10);
  // double until the value passes 2^62 (a signed compare), then halve back while above 2^40
  let d: i64 = 0x12345 + <i64>z;
  let ups = 0, downs = 0;
  do { d <<= 1; ups++; } while (d < 0x4000000000000000);
  while (d > 0x10000000000) { d >>= 3; downs++; }
  hex32(<u32>ups); sp(); hex32(<u32>downs); sp(); hex64(<u64>d);
  putc(10);
  exit(0);
}
