// Benchmark: sieve of Eratosthenes over 100 000 bytes — byte loads and stores, tight loops.
import { mark, exit } from "../arch";
import { putu, puts } from "../dev/serial";

const N: u32 = 100000;
const BASE: usize = 0x400000;

export function kmain(): void {
  mark(1);
  memory.fill(BASE, 1, N);
  let count: u32 = 0;
  for (let i: u32 = 2; i < N; i++) {
    if (load<u8>(BASE + i) != 0) {
      count++;
      for (let j: u32 = i * 2; j < N; j += i) store<u8>(BASE + j, 0);
    }
  }
  mark(2);
  puts("primes below 100000: "); putu(count); puts("\n");
  exit(0);
}
