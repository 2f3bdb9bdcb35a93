/* The native twin of ../sieve.ts: sieve of Eratosthenes over 100 000 bytes at 0x400000, run twice
 * (markers 1–2 cold, 3–4 warm). */
#include "native.h"

#define N 100000u
#define BASE ((uint8_t *)0x400000)

NOINLINE static uint32_t sieve(void) {
  memset(BASE, 1, N);
  uint32_t count = 0;
  for (uint32_t i = 2; i < N; i++) {
    if (BASE[i] != 0) {
      count++;
      for (uint32_t j = i * 2; j < N; j += i) BASE[j] = 0;
    }
  }
  return count;
}

void kmain(void) {
  uint32_t count = 0;
  for (uint32_t round = 0; round < 2; round++) {
    mark(1 + 2 * round);
    count = sieve();
    KEEP(count);
    mark(2 + 2 * round);
  }
  puts("primes below 100000: "); putu(count); puts("\n");
  kt_exit(0);
}
