// exit: 0
// Compare-and-branch against small constants (-128..127): the compare fuses with the branch into
// one instruction with the constant in it (BEQI BNEI BLTSI BLTUI BGTSI BGTUI BLESI BLEUI BGESI
// BGEUI), including -128, 127 and unsigned compares against 0xFFFFFF80 and 0xFFFFFFF0.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 5, -3, 7, -8, 100, 127, -128, -1, -16, 200, -129, 20, 21]);

export function kmain(): void {
  for (let i = 0; i < 14; i++) {
    const a = load<i32>(A + (i << 2));
    const u = <u32>a;
    if (a == 5) putc(65);
    if (a != -3) putc(66);
    if (a < 7) putc(67);
    if (a > -8) putc(68);
    if (a <= 100) putc(69);
    if (a >= -128) putc(70);
    if (a == 127) putc(71);
    if (u < 10) putc(72);
    if (u > 20) putc(73);
    if (u <= 0xffffff80) putc(74);
    if (u >= 0xfffffff0) putc(75);
    if (a != 127) putc(76);
    if (a < -100) putc(77);
    if (a >= 120) putc(78);
    if (u > 0xfffffff0) putc(79);
    if (u <= 50) putc(80);
    putc(10);
  }
  exit(0);
}
