// exit: 0
// i32.shr_s (arithmetic): run-time counts (SHRS), including 31, 32, 33 and negative counts
// (masked with & 31), and constant counts (SHRSI); negative values fill with ones.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puthex } from "../../kernel-ts/dev/serial";

const V = memory.data<i32>([1, 0x12345678, -1, -2147483647, -559038737, -100, 1073741824]);
const N = memory.data<i32>([0, 4, 31, 32, 33, -1, 94]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 7; i++) {
    const v = load<i32>(V + (i << 2));
    const n = load<i32>(N + (i << 2));
    puthex(v >> n); sp();
    puti(v >> 1); sp();
    puthex(v >> 12); sp();
    puti(v >> 31);
    putc(10);
  }
  exit(0);
}
