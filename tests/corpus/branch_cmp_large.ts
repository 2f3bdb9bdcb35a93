// exit: 0
// Branches on compares against constants outside -128..127 (up to full 32-bit values, signed
// and unsigned): fused compare-with-immediate branches (BEQI .. BGEUI).
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 1000, -1000, 128, -129, 100000, -2147483648, 2147483647, -1, 0x40000000]);

export function kmain(): void {
  for (let i = 0; i < 10; i++) {
    const a = load<i32>(A + (i << 2));
    const u = <u32>a;
    if (a == 1000) putc(65);
    if (a != -1000) putc(66);
    if (a < 128) putc(67);
    if (a > -129) putc(68);
    if (a <= 100000) putc(69);
    if (a >= -1000) putc(70);
    if (u < 0x80000000) putc(71);
    if (u > 0x40000000) putc(72);
    if (u <= 1000) putc(73);
    if (u >= 0xfffffc18) putc(74);
    if (a < 0x12345678) putc(75);
    if (a > 0x40000000) putc(76);
    putc(10);
  }
  exit(0);
}
