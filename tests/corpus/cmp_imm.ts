// exit: 0
// Comparisons against constants as values (EQI NEI LTSI LTUI GTSI GTUI LESI LEUI GESI GEUI),
// with small and large constants, signed and unsigned.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 9, 10, 11, -10, 100000, -1, -2147483648, 2147483647, 99999]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 10; i++) {
    const a = load<i32>(A + (i << 2));
    const u = <u32>a;
    puti(<i32>(a == 10));
    puti(<i32>(a != 10));
    puti(<i32>(a < 10));
    puti(<i32>(a > 10));
    puti(<i32>(a <= 10));
    puti(<i32>(a >= 10)); sp();
    puti(<i32>(u < 10));
    puti(<i32>(u > 10));
    puti(<i32>(u <= 10));
    puti(<i32>(u >= 10)); sp();
    puti(<i32>(a < 100000));
    puti(<i32>(a > -100000));
    puti(<i32>(a <= 99999));
    puti(<i32>(a >= -5)); sp();
    puti(<i32>(u < 0x80000000));
    puti(<i32>(u > 0xfffffff0));
    puti(<i32>(u <= 100000));
    puti(<i32>(u >= 0x7fffffff));
    putc(10);
  }
  exit(0);
}
