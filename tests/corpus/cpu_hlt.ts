// exit: 0
// host-only: hlt with interrupts off halts the guest's CPU for good (no interrupt source until issue D)
// hlt waits for the next interrupt; on the host there are none and it returns at once, so a
// loop of hlt calls finishes. (On a real machine it needs an interrupt source to wake it.)
import { hlt, exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  const n = 3 + load<i32>(0x500000); // memory starts zeroed
  puts("halting ");
  for (let i = 0; i < n; i++) { hlt(); putc(104); }
  puts(" woke\n");
  exit(0);
}
