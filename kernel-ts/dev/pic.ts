// The two 8259A interrupt controllers (PICs), master at ports 0x20/0x21 and slave at 0xA0/0xA1,
// cascaded on the master's line 2. Remapped so IRQ n arrives at vector 32 + n (the image's IDT
// has its stubs there); the stubs acknowledge each interrupt themselves. Units: IRQ lines 0..15.

import { outb, inb } from "../arch";

const MASTER: u32 = 0x20, SLAVE: u32 = 0xa0;
/** The vector of IRQ 0; IRQ n is IRQ_BASE + n. */
export const IRQ_BASE: u32 = 32;
const CASCADE: u32 = 2;

@inline function dataPort(line: u32): u32 { return (line < 8 ? MASTER : SLAVE) + 1; }

/** Remaps both PICs to vectors 32..47 with every line masked but the cascade. */
export function pic_remap(): void {
  outb(MASTER, 0x11); outb(SLAVE, 0x11);            // ICW1: edge-triggered, cascade, ICW4 follows
  outb(MASTER + 1, IRQ_BASE); outb(SLAVE + 1, IRQ_BASE + 8); // ICW2: vector offsets
  outb(MASTER + 1, 1 << CASCADE); outb(SLAVE + 1, CASCADE);  // ICW3: the slave on line 2
  outb(MASTER + 1, 0x01); outb(SLAVE + 1, 0x01);    // ICW4: 8086 mode
  outb(MASTER + 1, 0xff & ~(1 << CASCADE)); outb(SLAVE + 1, 0xff);
}

/** Lets IRQ `line` (0..15) through. */
export function pic_unmask(line: u32): void {
  const port = dataPort(line);
  outb(port, inb(port) & ~(1 << (line & 7)));
}

/** Blocks IRQ `line` (0..15). */
export function pic_mask(line: u32): void {
  const port = dataPort(line);
  outb(port, inb(port) | (1 << (line & 7)));
}
