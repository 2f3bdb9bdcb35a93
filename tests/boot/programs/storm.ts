// An interrupt storm: the PIT at 100 kHz and a handler slower than the gap between two ticks, so a
// line is latched again every time the handler returns. The interrupted loop must still make
// progress in every tier: in compiled code each delivery at a load or store lets that access
// through before the next (boot/vm.ts, safePointStub), as a back edge lets one pass through.
// Prints how many iterations the loop made between interrupts 1 and 300.
import { irq_handler, sti, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";
import { puts, putu } from "kernel-ts/dev/serial";

const A: usize = 0x2000000;
const PROG: usize = 0x2100000;
let calls: u32 = 0;
let first: u32 = 0;
let work: u32 = 0;

function onIrq(irqs: u32): void {
  calls++;
  if (calls == 1) first = load<u32>(PROG);
  for (let i: u32 = 0; i < 20000; i++) work += i ^ calls; // longer than the gap between two ticks
  if (calls == 300) { puts("iterations between interrupts 1 and 300: "); putu(load<u32>(PROG) - first); puts("\n"); exit(0); }
}

export function kmain(): void {
  pic_remap(); pit_init(100000); irq_handler(onIrq); pic_unmask(0); sti();
  let s: u32 = 0;
  for (let i: u32 = 0; ; i++) { s += load<u32>(A + <usize>(i & 1023) * 4); store<u32>(PROG, i); }
}
