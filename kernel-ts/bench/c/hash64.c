/* The native twin of ../hash64.ts: FNV-1a over 16 KiB at 0x400000 a byte at a time, then a
 * splitmix64 finaliser per 8-byte word and a 64-bit remainder by a 32-bit prime per 64 words, run
 * twice (markers 1–2 cold, 3–4 warm). The remainder is libgcc's __umoddi3 under -m32. */
#include "native.h"

#define BASE 0x400000u
#define BYTES 16384u

NOINLINE static uint64_t hash(void) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
  for (uint32_t i = 0; i < BYTES; i++) h = (h ^ (uint64_t)*(const uint8_t *)(BASE + i)) * 0x100000001b3ull;
  uint64_t acc = h;
  for (uint32_t i = 0; i < BYTES; i += 8) {
    uint64_t z = *(const uint64_t *)(BASE + i) + acc + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    uint64_t x = acc ^ z ^ (z >> 31);
    acc = (x << 17) | (x >> 47);
    if ((i & 511) == 0) acc += acc % 0xfffffffbull; /* a 64-bit remainder by a 32-bit prime */
  }
  return acc;
}

void kmain(void) {
  for (uint32_t i = 0; i < BYTES; i++) *(uint8_t *)(BASE + i) = (uint8_t)(i * 167 + (i >> 7));
  uint64_t h = 0;
  for (uint32_t round = 0; round < 2; round++) {
    mark(1 + 2 * round);
    h = hash();
    KEEP(h); /* hash only reads memory: without this gcc drops the cold round's call */
    mark(2 + 2 * round);
  }
  puts("hash64 = "); puthex64(h); puts("\n");
  kt_exit(0);
}
