// exit: 0
// Getters and setters on an @unmanaged class: computed properties over packed fields, a setter
// that validates and packs, and static accessors over a module global.
import { exit } from "../../kernel-ts/arch";
import { putc, putu, puthex } from "../../kernel-ts/dev/serial";

let ticks: u32 = 0;

@unmanaged
class Pte {
  raw: u32;
  get present(): bool { return (this.raw & 1) != 0; }
  set present(on: bool) { this.raw = on ? this.raw | 1 : this.raw & ~1; }
  get frame(): u32 { return this.raw >>> 12; }
  set frame(f: u32) { this.raw = (this.raw & 0xfff) | (f << 12); }
  static get now(): u32 { return ticks; }
  static set now(t: u32) { ticks = t; }
}

export function kmain(): void {
  const p = changetype<Pte>(0x400100);
  p.raw = 0;
  p.frame = 0xabcde; p.present = true;
  puthex(p.raw); putc(32); putu(p.present ? 1 : 0); putc(32); puthex(p.frame, 5); putc(10);
  p.present = false; p.frame += 1;
  puthex(load<u32>(0x400100)); putc(32); putu(p.present ? 1 : 0); putc(10);
  Pte.now = 41; Pte.now++;
  putu(Pte.now); putc(32); putu(ticks); putc(10);
  exit(0);
}
