/* The native twin of ../memcopy.ts: a word-by-word copy loop (256 KiB from 0x400000 to 0x500000,
 * 8 times, each word plus the round), run twice (markers 1–2 cold, 3–4 warm). */
#include "native.h"

#define SRC 0x400000u
#define DST 0x500000u
#define BYTES (256u * 1024)

NOINLINE static void copyRounds(void) {
  for (uint32_t round = 0; round < 8; round++) {
    for (uint32_t i = 0; i < BYTES; i += 4) *(uint32_t *)(DST + i) = *(const uint32_t *)(SRC + i) + round;
  }
}

void kmain(void) {
  for (uint32_t i = 0; i < BYTES; i += 4) *(uint32_t *)(SRC + i) = i * 2654435761u;
  for (uint32_t round = 0; round < 2; round++) {
    mark(1 + 2 * round);
    copyRounds();
    mark(2 + 2 * round);
  }
  uint32_t sum = 0;
  for (uint32_t i = 0; i < BYTES; i += 4) sum ^= *(const uint32_t *)(DST + i);
  puts("checksum: "); putu(sum); puts("\n");
  kt_exit(0);
}
