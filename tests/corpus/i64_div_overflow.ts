// exit: 3
// INT64_MIN / -1 with run-time operands: i64.div_s traps with "integer overflow". Before it,
// INT64_MIN % -1 is 0 (no trap), INT64_MIN / 1 and (INT64_MIN + 1) / -1 print, and so do the
// other dividends divided by -1.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }

const D = memory.data<i64>([0x7FFFFFFFFFFFFFFF, 0x8000000000000001, 0xFFFFFFFF00000000, 0x8000000000000000, 5]);

export function kmain(): void {
  const m = load<i64>(D + 24);
  const neg1 = load<i64>(D + 32) - 6;
  hex64(<u64>(m % neg1)); putc(10);
  hex64(<u64>(m / (neg1 + 2))); putc(10);
  for (let i = 0; i < 5; i++) {
    hex64(<u64>(load<i64>(D + (i << 3)) / neg1)); // @trap
    putc(10);
  }
  exit(0);
}
