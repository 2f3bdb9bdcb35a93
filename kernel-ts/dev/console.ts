// The serial console's input: COM1's receive interrupt (IRQ 4) fills a ring of bytes, and a
// reader thread blocks until there is one. Output stays in serial.ts. Units: bytes.

import { inb, outb, irq_block } from "../arch";
import { COM1 } from "./serial";
import { pic_unmask } from "./pic";
import { thread_block, thread_wake, thread_self } from "../sched/thread";

export const COM1_IRQ: u32 = 4;
const RING: u32 = 256; // a power of two
const ring = memory.data(<i32>RING);
let head: u32 = 0; // next byte to read
let tail: u32 = 0; // next free place
let dropped: u32 = 0;
let reader: i32 = -1;

/** Enables COM1's receive interrupt (after pic_remap). */
export function console_init(): void {
  outb(COM1 + 1, 0x01); // IER: data available
  pic_unmask(COM1_IRQ);
  console_irq(); // bytes that came before
}

/** From the interrupt handler: moves every byte the UART holds into the ring, wakes the reader. */
export function console_irq(): void {
  while ((inb(COM1 + 5) & 1) != 0) {
    const c = inb(COM1);
    if (tail - head < RING) { store<u8>(ring + (tail & (RING - 1)), c); tail++; } else dropped++;
  }
  if (head != tail && reader >= 0) thread_wake(reader);
}

/** The next input byte, waiting (the thread blocks) until one arrives. */
export function console_getc(): u32 {
  const was = irq_block(1);
  while (head == tail) {
    reader = thread_self();
    thread_block(); // delivery stays blocked here until the switch, so no wake is lost
  }
  reader = -1;
  const c = <u32>load<u8>(ring + (head & (RING - 1)));
  head++;
  irq_block(was);
  return c;
}

/** Input bytes lost because the ring was full. */
export function console_dropped(): u32 { return dropped; }
