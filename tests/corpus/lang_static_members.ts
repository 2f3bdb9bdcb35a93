// exit: 0
// Static class members: static fields (module globals) read and written through the class,
// static readonly constants, static methods calling each other, and static members of an
// @unmanaged class used next to its instance fields.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

class Stats {
  static count: u32 = 0;
  static total: u32 = 0;
  static readonly LIMIT: u32 = 100;
  static add(v: u32): void {
    Stats.count++;
    Stats.total = Stats.capped(Stats.total + v);
  }
  static capped(v: u32): u32 { return v > Stats.LIMIT ? Stats.LIMIT : v; }
  static mean(): u32 { return Stats.count ? Stats.total / Stats.count : 0; }
}

@unmanaged
class Page {
  static readonly SIZE: u32 = 4096;
  static live: u32 = 0;
  number: u32;
  static at(addr: usize, number: u32): Page {
    const p = changetype<Page>(addr);
    p.number = number;
    Page.live++;
    return p;
  }
  base(): u32 { return this.number * Page.SIZE; }
}

export function kmain(): void {
  putu(Stats.mean()); putc(32);
  Stats.add(30); Stats.add(40); Stats.add(50);
  putu(Stats.count); putc(32); putu(Stats.total); putc(32); putu(Stats.mean()); putc(10);
  Stats.count = 10;
  putu(Stats.mean()); putc(32); putu(Stats.capped(7)); putc(32); putu(Stats.LIMIT); putc(10);
  const a = Page.at(0x400100, 3), b = Page.at(0x400104, 0x100);
  putu(a.base()); putc(32); putu(b.base()); putc(32); putu(Page.live); putc(32); putu(load<u32>(0x400104)); putc(10);
  exit(0);
}
