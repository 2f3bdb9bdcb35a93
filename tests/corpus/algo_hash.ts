// exit: 0
// FNV-1a and djb2 string hashes (multiplication wrapping at 2^32), and a MurmurHash3-style 32-bit
// finaliser (xor-shift and multiply with large constants).
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

function fnv1a(s: string): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= <u32>s.charCodeAt(i); h *= 16777619; }
  return h;
}

function djb2(s: string): u32 {
  let h: u32 = 5381;
  for (let i = 0; i < s.length; i++) h = (h << 5) + h + <u32>s.charCodeAt(i);
  return h;
}

function fmix(h: u32): u32 {
  h ^= h >>> 16; h *= 0x85ebca6b;
  h ^= h >>> 13; h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

function line(s: string): void {
  puthex(fnv1a(s)); putc(32); puthex(djb2(s)); putc(32); puthex(fmix(fnv1a(s))); putc(10);
}

export function kmain(): void {
  line("");
  line("a");
  line("foobar");
  line("kernel-ts");
  let h: u32 = load<u32>(0x500000); // memory starts zeroed
  for (let i = 0; i < 5; i++) { h = fmix(h + <u32>i); puthex(h); putc(32); }
  putc(10);
  exit(0);
}
