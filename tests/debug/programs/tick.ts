// A program for the debugger's tests (tests/debug/): code that runs under an interrupt (the PIT's).
import { irq_handler, sti, cli, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";

let ticks: u32 = 0;

function onIrq(irqs: u32): void {
  ticks++;
}

function spin(): void {
  while (ticks < 3) {}
}

export function kmain(): void {
  pic_remap(); pit_init(1000); irq_handler(onIrq); pic_unmask(0); sti();
  spin();
  cli();
  exit(0);
}
