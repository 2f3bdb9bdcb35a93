// exit: 0
// @inline functions: inlined at every call (with constant and run-time arguments), calling each
// other, with early returns and side effects on globals evaluated once per call, and @inline
// methods of an @unmanaged class.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

let calls: u32 = 0;

@inline function alignUp(v: u32, a: u32): u32 { return (v + a - 1) & ~(a - 1); }
@inline function clamp(v: i32, lo: i32, hi: i32): i32 {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}
@inline function counted(v: u32): u32 { calls++; return alignUp(v, 16); }

@unmanaged
class Bits {
  word: u32;
  @inline set(bit: u32): void { this.word |= <u32>1 << bit; }
  @inline has(bit: u32): bool { return (this.word & (<u32>1 << bit)) != 0; }
}

export function kmain(): void {
  const z = load<u32>(0x400000); // 0 at run time
  putu(alignUp(13, 8)); putc(32); putu(alignUp(z + 4096, 4096)); putc(32); putu(alignUp(z + 4097, 4096)); putc(10);
  puti(clamp(<i32>z - 5, 0, 10)); putc(32); puti(clamp(<i32>z + 7, 0, 10)); putc(32); puti(clamp(<i32>z + 99, 0, 10)); putc(10);
  let total: u32 = 0;
  for (let i: u32 = 0; i < 5; i++) total += counted(i * 10 + z);
  putu(total); putc(32); putu(calls); putc(10);
  const b = changetype<Bits>(0x400100);
  b.word = 0;
  b.set(z + 3); b.set(z + 31);
  putc(b.has(3) ? 49 : 48); putc(b.has(4) ? 49 : 48); putc(b.has(31) ? 49 : 48); putc(32);
  putu(b.word >> 28); putc(10);
  exit(0);
}
