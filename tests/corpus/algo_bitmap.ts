// exit: 0
// A kernel-style bitmap page-frame allocator: 256 frames in eight 32-bit words, allocation of the
// first free frame with ctz, freeing, and counting free frames with popcnt.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

const MAP: usize = 0x400000;
const WORDS = 8;

function freeCount(): i32 {
  let n = 0;
  for (let w = 0; w < WORDS; w++) n += popcnt<u32>(load<u32>(MAP + (w << 2)));
  return n;
}

/** Allocates the lowest free frame (bit set = free); -1 when none. */
function alloc(): i32 {
  for (let w = 0; w < WORDS; w++) {
    const bits = load<u32>(MAP + (w << 2));
    if (bits != 0) {
      const b = ctz<u32>(bits);
      store<u32>(MAP + (w << 2), bits & ~(<u32>1 << b));
      return (w << 5) + <i32>b;
    }
  }
  return -1;
}

function free(frame: i32): void {
  const p = MAP + (<usize>(frame >> 5) << 2);
  store<u32>(p, load<u32>(p) | (<u32>1 << (frame & 31)));
}

export function kmain(): void {
  for (let w = 0; w < WORDS; w++) store<u32>(MAP + (w << 2), 0xffffffff);
  // frames 0..9 and 100 are reserved
  for (let f = 0; f < 10; f++) alloc();
  store<u32>(MAP + 12, load<u32>(MAP + 12) & ~(<u32>1 << 4));
  puti(freeCount()); putc(10);
  for (let i = 0; i < 5; i++) { puti(alloc()); putc(32); }
  putc(10);
  free(12); free(3); free(200);
  for (let i = 0; i < 3; i++) { puti(alloc()); putc(32); }
  putc(10);
  let last = 0, got = 0;
  for (;;) { const f = alloc(); if (f < 0) break; last = f; got++; }
  puti(got); putc(32); puti(last); putc(32); puti(alloc()); putc(32); puti(freeCount()); putc(10);
  putu(load<u32>(MAP + 28)); putc(10);
  exit(0);
}
