/* The native twin of ../fib.ts: naive recursive fib(24), run twice (markers 1–2 cold, 3–4 warm). */
#include "native.h"

NOINLINE static int32_t fib(int32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

void kmain(void) {
  int32_t n = 24 + *(volatile int32_t *)0x400000; /* memory is zero: n is 24, but not a compile-time constant */
  int32_t r = 0;
  for (uint32_t round = 0; round < 2; round++) {
    mark(1 + 2 * round);
    OPAQUE(n); /* fib has no side effects: it runs between the markers, in both rounds */
    r = fib(n);
    KEEP(r);
    mark(2 + 2 * round);
  }
  puts("fib(24) = "); putu((uint32_t)r); puts("\n");
  kt_exit(0);
}
