// exit: 0
// i64 and, or, xor and not with run-time operands (values differing in one word only, signs,
// all-ones) and with constants whose words differ (0xFFFFFFFF00000000, 0x00000000FFFFFFFF,
// 0x8000000000000001); and masks built at run time with shifts (a single bit, low-n-bits).
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
function sp(): void { putc(32); }

const A = memory.data<u64>([0x0123456789ABCDEF, 0x8000000000000001, 0xFFFFFFFFFFFFFFFF, 0xF0F0F0F00F0F0F0F, 0, 0x12345678ABCDEF01]);
const B = memory.data<u64>([0xFFFF0000FFFF0000, 0x7FFFFFFFFFFFFFFE, 0x00000000FFFFFFFF, 0x0FF00FF0F00FF00F, 0xFFFFFFFF00000000, 0x12345678ABCDEF01]);
const ZERO: usize = 0x500000; // memory starts zeroed

export function kmain(): void {
  for (let i = 0; i < 6; i++) {
    const a = load<u64>(A + (i << 3));
    const b = load<u64>(B + (i << 3));
    hex64(a & b); sp();
    hex64(a | b); sp();
    hex64(a ^ b); sp();
    hex64(~a); sp();
    hex64(a & ~b); sp();
    hex64(~(a | b));
    putc(10);
    hex64(a & 0xFFFFFFFF00000000); sp();
    hex64(a & 0x00000000FFFFFFFF); sp();
    hex64(a | 0x8000000000000001); sp();
    hex64(a ^ 0xFFFFFFFF00000000); sp();
    hex64(a ^ 0x00000000FFFFFFFF); sp();
    hex64(a & 0xFF);
    putc(10);
  }
  const z = load<u64>(ZERO);
  for (let n: u64 = z; n < 64; n += 9) {
    const bit: u64 = <u64>1 << n;
    const low: u64 = (<u64>1 << n) - 1;
    const a = load<u64>(A + 8 * 5);
    hex64(bit); sp();
    hex64(low); sp();
    hex64(a & low); sp();
    hex64(a | bit); sp();
    hex64(a ^ ~low);
    putc(10);
  }
  exit(0);
}
