// A program for the debugger's tests (tests/debug/): locals that an optimised build (-O 3) ends
// early; work is kept out of line by its calls' side effects.
import { exit } from "kernel-ts/arch";
import { puts, putu } from "kernel-ts/dev/serial";

@inline function peek(a: usize): u32 { return load<u32>(a); }

function work(n: u32): u32 {
  const a: u32 = peek(0x300000) * n;
  store<u32>(0x300004, a);
  const b: u32 = peek(0x300008) + 7;
  store<u32>(0x30000c, b);
  return b;
}

export function kmain(): void {
  store<u32>(0x300000, 3); store<u32>(0x300008, 5);
  putu(work(4)); puts(" "); putu(work(5)); puts("\n");
  exit(0);
}
