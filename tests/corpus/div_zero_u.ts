// exit: 3
// i32.div_u by a run-time zero panics with "integer divide by zero" at the division's line.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

const D = memory.data<u32>([0xfffffff0, 16, 0]);

export function kmain(): void {
  const a = load<u32>(D);
  for (let i: u32 = 1; i < 3; i++) {
    const d = load<u32>(D + (i << 2));
    putu(a / d); // @trap
    putc(10);
  }
  exit(0);
}
