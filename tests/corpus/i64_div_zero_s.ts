// exit: 3
// i64.div_s by a run-time zero (a divisor with both words zero, after ones whose low word alone
// is zero) panics with "integer divide by zero" at the division's line, with the frames of the
// recursive helper (so it is not inlined) and of kmain. Output written before the panic is kept.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }

const D = memory.data<i64>([0x7FFFFFFFFFFFFFFF, 0x100000000, -0x100000000, 0]);

function divide(a: i64, b: i64, depth: i32): i64 {
  if (depth > 0) return divide(a, b, depth - 1); // @recurse
  return a / b; // @trap
}

export function kmain(): void {
  const a = load<i64>(D);
  for (let i = 1; i < 4; i++) {
    hex64(<u64>divide(a, load<i64>(D + (i << 3)), i)); // @call
    putc(10);
  }
  exit(0);
}
