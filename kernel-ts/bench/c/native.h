/* The native twins of kernel-ts/bench/ (fib, sieve, memcopy, hash64): the same programs in C,
 * compiled by gcc -O2 -m32 -ffreestanding and linked (link.ld) into a Multiboot ELF at 1 MiB that
 * v86 boots through the same Machine as the kernel-ts images (emulator/bench-native.ts builds and
 * boots them). This header is each program's whole runtime: the Multiboot header, a stack,
 * _start (which calls the program's kmain), COM1 output, the benchmark marker and the exit.
 *
 * The host passes the ports in: MARK_PORT (toolchain/kbc/opcodes.ts) and EXIT_PORT
 * (emulator/machine.ts). Of this header only mark() and memset() (sieve's memory.fill, `rep
 * stosb` as in the VM) run between a program's markers.
 */
#ifndef KT_NATIVE_H
#define KT_NATIVE_H

#include <stdint.h>

#if !defined(MARK_PORT) || !defined(EXIT_PORT)
#error "build with -DMARK_PORT=... -DEXIT_PORT=... (emulator/bench-native.ts does)"
#endif

#define COM1 0x3f8

/* For each program's work function: both rounds call the same code, so the warm run (markers
 * 3–4) runs what v86 has compiled during the cold one (v86 compiles code by its address; inlined
 * into the loop over the rounds, gcc would lay out a separate copy per round). */
#define NOINLINE __attribute__((noinline))

/* Compiler barriers, no instruction: OPAQUE(x) makes x a value gcc cannot know (so the work on it
 * can neither be folded nor moved before the barrier); KEEP(x) uses x (so a round's call of a
 * function without side effects is not dropped as dead, nor moved past the next marker). */
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#define KEEP(x) __asm__ volatile("" : : "r"(x))

/* The Multiboot v1 header (flags 2, as boot/image.ts asks: the memory map, unused here; v86
 * accepts flag bits 0, 1 and 16 only), then _start: a 16 KiB stack in .bss, kmain, and the exit
 * with code 0 should kmain ever return. */
__asm__(
  "  .section .multiboot, \"a\"\n"
  "  .balign 4\n"
  "  .long 0x1badb002, 2, -(0x1badb002 + 2)\n"
  "  .section .bss\n"
  "  .balign 16\n"
  "kt_stack: .skip 16384\n"
  "kt_stack_top:\n"
  "  .text\n"
  "  .globl _start\n"
  "_start:\n"
  "  mov $kt_stack_top, %esp\n"
  "  call kmain\n"
  "  xor %eax, %eax\n"
  "  jmp kt_exit\n");

void kmain(void);
__attribute__((noreturn, used)) void kt_exit(uint32_t code);

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* Benchmark marker (kernel.mark): a 32-bit `out` of `id` to the marker port, where the host notes
 * v86's instruction count. v86 adds up the instructions of compiled code and of a run of
 * interpreted code only when it leaves them, and an `out` ends both: so a byte to port 0x80 (the
 * PC's POST port, ignored) goes first, and the count at the marker is exact (without it, it lags
 * by whatever ran since the last call, return or `out`: up to ~100 000 instructions, varying with
 * when v86's compiled code arrives). The memory clobber keeps the program's loads and stores on
 * their side of the marker. */
static inline void mark(uint32_t id) {
  __asm__ volatile("outb %%al, $0x80\n\toutl %0, %1" : : "a"(id), "Nd"((uint16_t)MARK_PORT) : "memory");
}

/* The VM's exit (boot/image.ts, vm_exit): let COM1 finish sending (line status bit 6, bounded),
 * the code's 4 bytes to port 0xE9 (QEMU's debug console), the code to the exit port, halt. */
__attribute__((noreturn, used)) void kt_exit(uint32_t code) {
  for (uint32_t n = 1u << 20; n != 0 && (inb(COM1 + 5) & 0x40) == 0; n--) {}
  for (int i = 0; i < 4; i++) outb(0xe9, (uint8_t)(code >> (8 * i)));
  outl(EXIT_PORT, code);
  for (;;) __asm__ volatile("cli; hlt");
}

/* COM1 output, as kernel-ts/dev/serial.ts writes it. */
__attribute__((unused)) static void putc(uint32_t c) {
  while ((inb(COM1 + 5) & 0x20) == 0) {}
  outb(COM1, (uint8_t)c);
}
__attribute__((unused)) static void puts(const char *s) { while (*s) putc((uint8_t)*s++); }
__attribute__((unused)) static void putu(uint32_t v) {
  if (v >= 10) putu(v / 10);
  putc(48 + v % 10);
}
__attribute__((unused)) static void puthex(uint32_t v, int digits) {
  putc(48); putc(120);
  for (int i = digits - 1; i >= 0; i--) { uint32_t d = (v >> (i * 4)) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
__attribute__((unused)) static void puthex64(uint64_t v) {
  puthex((uint32_t)(v >> 32), 8);
  for (int i = 7; i >= 0; i--) { uint32_t d = ((uint32_t)v >> (i * 4)) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}

/* memory.fill: gcc may also call memset for a loop it recognises, so it must exist. */
void *memset(void *p, int c, uint32_t n) {
  void *d = p;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return p;
}

#endif
