// exit: 0
// Equality as values: i32.eq and i32.ne with two run-time operands (EQ NE) and with constants (EQI
// NEI), and i32.eqz (EQZ) of a run-time value.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([0, 1, -1, 1000, -2147483648, 0x12345678, 7]);
const B = memory.data<i32>([0, 2, -1, 1000, 2147483647, 0x12345678, -7]);

export function kmain(): void {
  for (let i = 0; i < 7; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(<i32>(a == b));
    puti(<i32>(a != b));
    puti(<i32>(a == 0));
    puti(<i32>(a == 1000));
    puti(<i32>(a != -1));
    puti(<i32>(a == 0x12345678));
    putc(10);
  }
  exit(0);
}
