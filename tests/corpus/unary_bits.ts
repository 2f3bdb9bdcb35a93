// exit: 0
// i32.clz, i32.ctz and i32.popcnt (clz/ctz/popcnt builtins), including 0 (32 for clz and ctz) and
// all ones.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const V = memory.data<u32>([0, 1, 0xffffffff, 0x80000000, 0x00010000, 0x0f0f0f00, 0x7fffffff, 0x00000300, 0xdeadbeef]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 9; i++) {
    const v = load<u32>(V + (i << 2));
    puti(clz<u32>(v)); sp();
    puti(ctz<u32>(v)); sp();
    puti(popcnt<u32>(v));
    putc(10);
  }
  exit(0);
}
