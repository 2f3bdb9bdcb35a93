// exit: 0
// The benchmark marker intrinsic mark(id) has no visible effect on the program: it returns and
// execution continues (the host notes the instruction count; the guest writes id to port 0x520).
import { mark, exit } from "../../kernel-ts/arch";
import { putc, puts, putu } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  const base = load<u32>(0x500000); // memory starts zeroed
  mark(1 + base);
  let s: u32 = 0;
  for (let i: u32 = 0; i < 1000; i++) s += i;
  mark(2 + base);
  puts("sum "); putu(s); putc(10);
  for (let i: u32 = 3; i < 6; i++) mark(i);
  puts("marked\n");
  exit(0);
}
