// exit: 3
// i64.rem_u by a run-time zero panics with "integer divide by zero" at the line of the %, in a
// loop of kmain that only ends by the trap.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }

const D = memory.data<u64>([0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x100000001, 10, 0]);

export function kmain(): void {
  const a = load<u64>(D);
  let i = 1;
  while (true) {
    const d = load<u64>(D + (i << 3));
    hex64(a % d); // @trap
    putc(10);
    i++;
  }
}
