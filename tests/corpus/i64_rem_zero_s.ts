// exit: 3
// i64.rem_s by a run-time zero panics with "integer divide by zero" at the line of the %, in a
// helper called from kmain (recursive, so not inlined); INT64_MIN % -1 (0) prints first.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }

const D = memory.data<i64>([0x8000000000000000, -1, 0x100000000, 0]);

function rem(a: i64, b: i64, depth: i32): i64 {
  if (depth > 0) return rem(a, b, depth - 1);
  return a % b; // @trap
}

export function kmain(): void {
  const a = load<i64>(D);
  hex64(<u64>rem(a, load<i64>(D + 8), 1)); putc(10);
  hex64(<u64>rem(a + 5, load<i64>(D + 16), 0)); putc(10);
  hex64(<u64>rem(a, load<i64>(D + 24), 0)); // @call
  putc(10);
  exit(0);
}
