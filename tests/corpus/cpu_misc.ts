// exit: 0
// cli, sti and invlpg have no visible effect: each call returns and execution continues.
import { cli, sti, invlpg, exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  const base = <usize>load<u32>(0x500000); // memory starts zeroed
  cli(); puts("cli ");
  sti(); puts("sti ");
  cli(); cli(); sti(); sti(); puts("twice ");
  for (let p: usize = 0x400000; p < 0x404000; p += 0x1000) invlpg(p + base);
  invlpg(0xfffff000);
  invlpg(0);
  puts("invlpg ");
  cli();
  puts("done\n");
  exit(0);
}
