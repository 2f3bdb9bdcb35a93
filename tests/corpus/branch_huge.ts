// exit: 0
// A function big enough (8000+ instructions) that its compare-and-branches take the long form (a
// compare, then BZ/BNZ with a 32-bit target): an if whose body is 2048 steps of a hash chain, each
// stored to memory (expanded by @inline helpers), taken for one input and skipped for the other.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

@inline function s1(h: u32, p: usize): u32 { h = h * 0x01000193 + 0x9e37; store<u32>(p, h); return h; }
@inline function s8(h: u32, p: usize): u32 { h = s1(h, p + 0); h = s1(h, p + 4); h = s1(h, p + 8); h = s1(h, p + 12); h = s1(h, p + 16); h = s1(h, p + 20); h = s1(h, p + 24); h = s1(h, p + 28); return h; }
@inline function s64(h: u32, p: usize): u32 { h = s8(h, p + 0); h = s8(h, p + 32); h = s8(h, p + 64); h = s8(h, p + 96); h = s8(h, p + 128); h = s8(h, p + 160); h = s8(h, p + 192); h = s8(h, p + 224); return h; }
@inline function s512(h: u32, p: usize): u32 { h = s64(h, p + 0); h = s64(h, p + 256); h = s64(h, p + 512); h = s64(h, p + 768); h = s64(h, p + 1024); h = s64(h, p + 1280); h = s64(h, p + 1536); h = s64(h, p + 1792); return h; }

const D = memory.data<u32>([1, 7]);
const BUF: usize = 0x400000;

export function kmain(): void {
  for (let i = 0; i < 2; i++) {
    let h = load<u32>(D + (i << 2));
    const p = BUF + <usize>load<u32>(0x500000); // memory starts zeroed
    if (h < 5) {
      h = s512(h, p);
      h = s512(h, p + 2048);
      h = s512(h, p + 4096);
      h = s512(h, p + 6144);
    }
    puthex(h); putc(32);
  }
  let sum: u32 = 0;
  for (let a: usize = BUF; a < BUF + 8192; a += 4) sum = sum * 31 + load<u32>(a);
  puthex(sum); putc(10);
  exit(0);
}
