// The 8253/8254 programmable interval timer, channel 0 on IRQ 0: the kernel's clock tick.
// Units: Hz and ticks.

import { outb } from "../arch";

/** The PIT's input clock. */
export const PIT_HZ: u32 = 1193182;

/** Makes channel 0 interrupt `hz` times a second (19..1193182; rate generator, mode 2). */
export function pit_init(hz: u32): void {
  let divisor = (PIT_HZ + hz / 2) / hz;
  if (divisor > 65535) divisor = 0; // 0 means 65536: the slowest rate
  outb(0x43, 0x34); // channel 0, low then high byte, mode 2
  outb(0x40, divisor & 0xff);
  outb(0x40, (divisor >> 8) & 0xff);
}
