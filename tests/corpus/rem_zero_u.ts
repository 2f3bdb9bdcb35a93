// exit: 3
// i32.rem_u by a run-time zero panics with "integer divide by zero" at the line of the %.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

const D = memory.data<u32>([0xffffffff, 10, 0x80000000, 0]);

export function kmain(): void {
  const a = load<u32>(D);
  let i: u32 = 1;
  while (true) {
    const d = load<u32>(D + (i << 2));
    putu(a % d); // @trap
    putc(10);
    i++;
  }
}
