// exit: 0
// i32.shl: run-time shift counts (SHL), including counts of 31, 32, 33 and negative counts (the
// count is masked with & 31), and constant counts (SHLI).
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const V = memory.data<u32>([1, 0x12345678, 0xffffffff, 0x80000001, 0xdeadbeef, 3, 0xc0000000]);
const N = memory.data<i32>([0, 4, 31, 32, 33, -1, 64]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 7; i++) {
    const v = load<u32>(V + (i << 2));
    const n = load<i32>(N + (i << 2));
    puthex(v << n); sp();
    puthex(v << 1); sp();
    puthex(v << 12); sp();
    puthex(v << 31);
    putc(10);
  }
  exit(0);
}
