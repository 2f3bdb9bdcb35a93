// exit: 0
// i64 clz, ctz and popcnt (full 64-bit results, so the high word must be 0) on 0, all-ones,
// single bits on either side of the word boundary and mixed values; i64.eqz as a value and as a
// branch condition (a value whose low word alone is zero is not zero); and the usual derived
// forms: floor(log2 x), x & (x - 1), x & -x, popcnt(x ^ (x - 1)). The results go to memory
// before they are printed, so the optimiser cannot drop the high words it knows are zero.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** The n u64 results at R, as 16 hex digits each, each followed by a space. */
function flush(n: i32): void {
  for (let k = 0; k < n; k++) {
    hex32(load<u32>(R + (k << 3) + 4));
    hex32(load<u32>(R + (k << 3)));
    putc(32);
  }
}
function sp(): void { putc(32); }

const R: usize = 0x400000;
const N = 14;
const V = memory.data<u64>([
  0, 1, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x0000000100000000, 0x00000000FFFFFFFF,
  0x0000000080000000, 0x0000000000010000, 0xFFFFFFFF00000000, 0x0123456789ABCDEF,
  0x7FFFFFFFFFFFFFFF, 0x0000000180000000, 0x0000800000000000, 0xF000000000000001,
]);

export function kmain(): void {
  for (let i = 0; i < N; i++) {
    const a = load<u64>(V + (i << 3));
    store<u64>(R, clz<u64>(a));
    store<u64>(R + 8, ctz<u64>(a));
    store<u64>(R + 16, popcnt<u64>(a));
    flush(3);
    putc(48 + <u32>(a == 0)); sp();
    putc(48 + <u32>(a != 0)); sp();
    if (a) putc(84); else putc(70);
    if (!a) putc(90); else putc(78);
    sp();
    store<u64>(R, 63 - clz<u64>(a));
    store<u64>(R + 8, a & (a - 1));
    store<u64>(R + 16, a & (<u64>0 - a));
    store<u64>(R + 24, popcnt<u64>(a ^ (a - 1)));
    flush(4);
    putc(10);
  }
  exit(0);
}
