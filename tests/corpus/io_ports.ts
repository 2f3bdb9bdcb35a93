// exit: 0
// Port I/O intrinsics: inb(0x3FD) is 0x60 (transmitter ready), COM1 data reads 0, unused ports
// read all ones at every width (inb/inw/inl); outb to COM1 prints the low byte of the value; ports
// are 16 bits wide (0x103F8 is COM1); writes to unused ports (outb/outw/outl) are ignored.
import { outb, inb, outw, inw, outl, inl, exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const COM = memory.data<u32>([0x3fd, 0x3f8, 0x103fd]);
const UNUSED = memory.data<u32>([0x2a0, 0x104, 0x2a4]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 3; i++) {
    const p = load<u32>(COM + (i << 2));
    puthex(p, 5); putc(58); puthex(inb(p), 2); putc(10);
  }
  for (let i = 0; i < 3; i++) {
    const p = load<u32>(UNUSED + (i << 2));
    puthex(p, 3); putc(58);
    puthex(inb(p), 2); sp();
    puthex(inw(p), 4); sp();
    puthex(inl(p));
    putc(10);
  }
  const com1 = load<u32>(COM + 4);
  outb(com1, 0x141);                          // prints 'A'
  outb(com1 + 0x10000, 0x42);                 // port 0x103F8 is COM1: 'B'
  outb(load<u32>(UNUSED), 0x43);              // ignored
  outw(load<u32>(UNUSED + 4), 0x4444);        // ignored
  outl(load<u32>(UNUSED + 8), 0x80000000);    // ignored
  outw(0x2a0, 0x4545);                        // ignored
  outl(0x2a4, 0x46464646);                    // ignored
  outb(com1, 10);
  exit(0);
}
