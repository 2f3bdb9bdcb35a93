// exit: 0
// @unmanaged classes extending @unmanaged classes: the subclass's fields follow the base's, base
// methods work on a subclass instance, and a subclass pointer passes where the base is expected.
// (No virtual dispatch: there is no object header, so methods are not overridden.)
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

@unmanaged
class Block {
  size: u32;   // 0
  flags: u16;  // 4
  isFree(): bool { return (this.flags & 1) != 0; }
  end(at: usize): usize { return at + this.size; }
}

@unmanaged
class FreeBlock extends Block {
  next: u32;   // 8 (after the base's 6 bytes, aligned to 4)
  prev: u32;   // 12
  link(n: u32, p: u32): void { this.next = n; this.prev = p; this.flags |= 1; }
}

function describe(b: Block): u32 { return b.isFree() ? b.size : 0; }

export function kmain(): void {
  putu(offsetof<FreeBlock>("size")); putc(32); putu(offsetof<FreeBlock>("flags")); putc(32);
  putu(offsetof<FreeBlock>("next")); putc(32); putu(offsetof<FreeBlock>("prev")); putc(32); putu(offsetof<FreeBlock>()); putc(10);
  const f = changetype<FreeBlock>(0x400100);
  f.size = 64; f.flags = 0;
  putu(describe(f)); putc(32);
  f.link(0x400200, 0x400000);
  putu(describe(f)); putc(32); putu(<u32>f.end(0x100)); putc(32);
  putu(load<u32>(0x400108) - 0x400000); putc(32); putu(load<u32>(0x40010c) - 0x400000); putc(32); putu(load<u16>(0x400104)); putc(10);
  exit(0);
}
