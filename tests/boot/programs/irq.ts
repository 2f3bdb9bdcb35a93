// Interrupt delivery in the guest: the PIT at 1000 Hz, delivered at backward branches (a loop
// without calls), at calls (recursion without loops), after hlt, and — compiled — at the loads of
// loops that wait for the handler to store (their safe point folded into the load: boot/vm.ts),
// one of them at address 0.
import { irq_handler, irq_count, sti, cli, hlt, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";
import { puts, putu } from "kernel-ts/dev/serial";

const TICKS: usize = 0x300000;
let calls: u32 = 0;
let lines: u32 = 0;
let inside: u32 = 0;
let nested: u32 = 0;

function onIrq(irqs: u32): void {
  if (inside != 0) nested++;
  inside = 1;
  calls++;
  lines |= irqs;
  store<u32>(TICKS, load<u32>(TICKS) + 1);
  store<u32>(0, load<u32>(0) + 1);
  for (let i = 0; i < 200; i++) {} // backward branches inside the handler: no nesting
  inside = 0;
}

function fib(n: u32): u32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

export function kmain(): void {
  pic_remap();
  pit_init(1000);
  irq_handler(onIrq);
  pic_unmask(0);
  sti();
  let spins: u32 = 0;
  while (irq_count(0) < 5) spins++; // only a backward branch: a safe point
  const c0 = calls;
  fib(25); // only calls
  const c1 = calls;
  for (let i = 0; i < 5; i++) hlt();
  store<u32>(TICKS, 0);
  while (load<u32>(TICKS) < 3) {} // a load and a backward branch
  store<u32>(0, 0);
  while (load<u32>(0) < 3) {}     // the same at address 0
  cli();
  puts("loop delivered "); puts(c0 >= 1 ? "yes" : "no");
  puts("; calls delivered "); puts(c1 > c0 ? "yes" : "no");
  puts("; lines "); putu(lines);
  puts("; nested "); putu(nested);
  puts("; count "); puts(irq_count(0) >= 13 ? ">= 13" : "< 13");
  puts("; deliveries <= count "); puts(calls <= irq_count(0) ? "yes" : "no");
  puts("\n");
  exit(0);
}
