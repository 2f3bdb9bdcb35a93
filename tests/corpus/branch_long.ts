// exit: 0
// Compare-and-branch over long distances: an if whose body is about 2000 instructions (a forward
// branch far beyond 8 bits) and a do-while loop of the same size whose condition branches back
// (a negative 16-bit distance). The bodies are a hash chain expanded by @inline helpers.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

@inline function s1(h: u32): u32 { h ^= h >>> 7; return h * 0x01000193 + 0x9e37; }
@inline function s8(h: u32): u32 { return s1(s1(s1(s1(s1(s1(s1(s1(h)))))))); }
@inline function s64(h: u32): u32 { return s8(s8(s8(s8(s8(s8(s8(s8(h)))))))); }
@inline function s512(h: u32): u32 { return s64(s64(s64(s64(s64(s64(s64(s64(h)))))))); }

const D = memory.data<u32>([1, 7, 0x12345678, 3]);

export function kmain(): void {
  for (let i = 0; i < 3; i++) {
    let h = load<u32>(D + (i << 2));
    if (h < 5) {
      h = s512(h);
    }
    puthex(h); putc(32);
  }
  putc(10);
  let h = load<u32>(D + 8);
  let n = <i32>load<u32>(D + 12);
  do {
    h = s512(h);
    n--;
  } while (n > 0);
  puthex(h); putc(10);
  exit(0);
}
