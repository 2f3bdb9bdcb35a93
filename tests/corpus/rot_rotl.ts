// exit: 0
// i32.rotl via the rotl<u32> builtin: run-time counts including 0, 31, 32, 33 and negative counts
// (masked with & 31), and constant counts.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const V = memory.data<u32>([1, 0x12345678, 0xffffffff, 0x80000001, 0xdeadbeef, 0x0000ff00, 0xc0000003]);
const N = memory.data<i32>([0, 4, 31, 32, 33, -1, 100]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 7; i++) {
    const v = load<u32>(V + (i << 2));
    const n = load<i32>(N + (i << 2));
    puthex(rotl<u32>(v, n)); sp();
    puthex(rotl<u32>(v, 0)); sp();
    puthex(rotl<u32>(v, 8)); sp();
    puthex(rotl<u32>(v, 33));
    putc(10);
  }
  exit(0);
}
