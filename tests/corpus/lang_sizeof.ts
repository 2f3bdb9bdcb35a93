// exit: 0
// sizeof<T>(), alignof<T>() (the log2 of the alignment) and offsetof<T>(field) of integer types
// and @unmanaged classes (compile-time constants; a class-typed field is a pointer), and
// changetype between a struct and its address, both ways.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

@unmanaged
class Header {
  magic: u32;  // 0
  kind: u8;    // 4
  flags: u8;   // 5
  length: u16; // 6
  next: Header | null; // 8: a pointer
}

@unmanaged
class Wide {
  tag: u8;   // 0
  value: u64; // 8 (aligned to its size)
}

export function kmain(): void {
  putu(sizeof<u8>()); putu(sizeof<u16>()); putu(sizeof<u32>()); putu(sizeof<usize>()); putu(sizeof<u64>()); putu(sizeof<bool>()); putc(10);
  putu(alignof<u8>()); putu(alignof<u16>()); putu(alignof<u32>()); putu(alignof<u64>()); putc(10);
  putu(offsetof<Header>("magic")); putc(32); putu(offsetof<Header>("kind")); putc(32); putu(offsetof<Header>("flags")); putc(32);
  putu(offsetof<Header>("length")); putc(32); putu(offsetof<Header>("next")); putc(32); putu(offsetof<Header>()); putc(10);
  putu(offsetof<Wide>("value")); putc(32); putu(offsetof<Wide>()); putc(10);
  const h = changetype<Header>(0x400100);
  h.magic = 0x1badb002; h.kind = 7; h.flags = 0x81; h.length = 513;
  const n = changetype<Header>(0x400100 + offsetof<Header>());
  n.magic = 0; n.next = null;
  h.next = n;
  putu(changetype<usize>(h) - 0x400000); putc(32); putu(changetype<usize>(h.next) - 0x400000); putc(32);
  putu(load<u8>(0x400104)); putc(32); putu(load<u16>(0x400104)); putc(32); putu(load<u8>(0x400107)); putc(32);
  putu(load<u32>(0x400108) - 0x400000); putc(32); putu(h.next!.next == null ? 1 : 0); putc(10);
  exit(0);
}
