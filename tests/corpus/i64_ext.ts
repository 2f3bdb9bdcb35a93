// exit: 0
// Conversions between i32 and i64: i64.extend_i32_s (<i64> of an i32), i64.extend_i32_u (<u64>
// of a u32), i32.wrap_i64 (<u32> / <i32> of a u64); the in-register sign extensions
// i64.extend8_s, i64.extend16_s, i64.extend32_s (binaryen makes them of (x << 56) >> 56 and the
// like at -O3; also the casts <i64><i8>x, <i64><i16>x, <i64><i32>x) and the zero extensions
// through u8 / u16 / u32 (masks). The operands are computed (xor with a zero read from memory) and
// the results go to memory before they are printed, so the optimiser cannot fold a conversion
// into a load or into the printer.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** The n u64 results at R, as 16 hex digits each, then a newline. */
function flush(n: i32): void {
  for (let k = 0; k < n; k++) {
    if (k > 0) putc(32);
    hex32(load<u32>(R + (k << 3) + 4));
    hex32(load<u32>(R + (k << 3)));
  }
  putc(10);
}

const R: usize = 0x400000;
const ZERO: usize = 0x500000; // memory starts zeroed
const W = memory.data<i32>([0, 1, -1, 0x7FFFFFFF, 0x80000000, 0x12345678, 0xFFFF8001, 0x00000080]);
const V = memory.data<u64>([
  0x8000000000000080, 0xFFFFFFFFFFFFFFFF, 0x123456789ABCDEF0, 0x000000007FFF7F7F,
  0xFFFFFFFF80008000, 0x0000000000000000, 0x00000001FFFFFF7F, 0x7FFFFFFF00000000,
]);

export function kmain(): void {
  const z = load<i32>(ZERO);
  const z64 = load<u64>(ZERO);
  for (let i = 0; i < 8; i++) {
    const x = load<i32>(W + (i << 2)) ^ z;
    store<u64>(R, <u64><i64>x);
    store<u64>(R + 8, <u64><u32>x);
    store<u64>(R + 16, <u64>x + 1);
    store<u64>(R + 24, <u64><u32>x * 3);
    store<u64>(R + 32, <u64>(<i64>x >> 1));
    flush(5);
  }
  for (let i = 0; i < 8; i++) {
    const y = load<u64>(V + (i << 3)) ^ z64;
    const s = <i64>y;
    store<u64>(R, <u64><u32>y);
    store<u64>(R + 8, <u64><u32>(<i32>s >> 31));
    store<u64>(R + 16, <u64>((s << 56) >> 56));
    store<u64>(R + 24, <u64>((s << 48) >> 48));
    store<u64>(R + 32, <u64>((s << 32) >> 32));
    flush(5);
    store<u64>(R, <u64><i64><i8>s);
    store<u64>(R + 8, <u64><i64><i16>s);
    store<u64>(R + 16, <u64><i64><i32>s);
    store<u64>(R + 24, <u64><u8>y);
    store<u64>(R + 32, <u64><u16>y);
    store<u64>(R + 40, <u64><u32>y);
    flush(6);
  }
  exit(0);
}
