import { irq_handler, sti, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";

let ticks: u32 = 0;
let stop: u32 = 0;
let count: u32 = 0;

function onIrq(irqs: u32): void {
  ticks++;
}

function bump(x: u32): u32 {
  return x + 1;
}

export function kmain(): void {
  pic_remap(); pit_init(100); irq_handler(onIrq); pic_unmask(0); sti();
  while (stop == 0) {
    count = bump(count);
  }
  exit(0);
}
