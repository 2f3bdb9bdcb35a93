// exit: 0
// @unmanaged classes placed at addresses with changetype<T>(addr), kernel style: field loads and
// stores at their offsets (u8/u16/u32/i32 fields), a linked list of nodes, and methods.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puthex } from "../../kernel-ts/dev/serial";

@unmanaged
class Node {
  next: usize;   // offset 0
  value: i32;    // offset 4
  tag: u8;       // offset 8
  flags: u8;     // offset 9
  count: u16;    // offset 10

  sum(): i32 {
    let s = 0;
    let n: Node | null = this;
    while (n) { s += n.value; n = n.next ? changetype<Node>(n.next) : null; }
    return s;
  }
}

@unmanaged
class Header {
  magic: u32;
  version: u16;
  kind: i16;
  length: u32;
}

function sp(): void { putc(32); }

export function kmain(): void {
  const base: usize = 0x400000 + <usize>load<u32>(0x500000); // memory starts zeroed
  // a list of 5 nodes, 16 bytes apart, each pointing to the next
  for (let i = 0; i < 5; i++) {
    const n = changetype<Node>(base + (i << 4));
    n.next = i < 4 ? base + ((i + 1) << 4) : 0;
    n.value = (i + 1) * 10 - 25;
    n.tag = <u8>(65 + i);
    n.flags = <u8>(0x80 | i);
    n.count = <u16>(1000 * i + 7);
  }
  const head = changetype<Node>(base);
  puti(head.sum()); sp();
  puti(changetype<Node>(base + 32).sum()); putc(10);
  let p: usize = base;
  while (p != 0) {
    const n = changetype<Node>(p);
    putc(n.tag); putu(n.count); putc(58); puthex(n.flags, 2); sp();
    p = n.next;
  }
  putc(10);
  // the fields are where the layout says, little-endian
  puthex(load<u32>(base + 4)); sp(); puthex(load<u32>(base + 16 + 8)); putc(10);
  // a header written field by field, read back as raw words
  const h = changetype<Header>(base + 0x100);
  h.magic = 0x1badb002;
  h.version = 0xfffe;
  h.kind = -3;
  h.length = 12;
  puthex(load<u32>(base + 0x100)); sp();
  puthex(load<u32>(base + 0x104)); sp();
  putu(h.version); sp(); puti(h.kind); sp(); putu(h.length); sp();
  putu(offsetof<Header>("length")); sp(); putu(offsetof<Node>("count")); putc(10);
  exit(0);
}
