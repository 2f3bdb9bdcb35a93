// exit: 0
// Sieve of Eratosthenes over a byte array in memory: the number of primes below 10000, the last
// five of them, and the sum of all primes below 1000.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

const SIEVE: usize = 0x400000;

export function kmain(): void {
  const n: u32 = 10000 + load<u32>(0x500000); // memory starts zeroed
  memory.fill(SIEVE, 1, n);
  store<u8>(SIEVE, 0);
  store<u8>(SIEVE + 1, 0);
  for (let i: u32 = 2; i * i < n; i++) {
    if (load<u8>(SIEVE + i)) for (let j = i * i; j < n; j += i) store<u8>(SIEVE + j, 0);
  }
  let count: u32 = 0, small: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(SIEVE + i)) { count++; if (i < 1000) small += i; }
  }
  putu(count); putc(32); putu(small); putc(10);
  let shown = 0;
  for (let i: i32 = <i32>n - 1; shown < 5; i--) {
    if (load<u8>(SIEVE + i)) { putu(<u32>i); putc(32); shown++; }
  }
  putc(10);
  exit(0);
}
