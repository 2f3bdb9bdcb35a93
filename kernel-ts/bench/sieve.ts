// Benchmark: sieve of Eratosthenes over 100 000 bytes — byte loads and stores, tight loops.
// The work runs twice (markers 1–2 cold, 3–4 warm).
import { mark, exit } from "../arch";
import { putu, puts } from "../dev/serial";

const N: u32 = 100000;
const BASE: usize = 0x400000;

function sieve(): u32 {
  memory.fill(BASE, 1, N);
  let count: u32 = 0;
  for (let i: u32 = 2; i < N; i++) {
    if (load<u8>(BASE + i) != 0) {
      count++;
      for (let j: u32 = i * 2; j < N; j += i) store<u8>(BASE + j, 0);
    }
  }
  return count;
}

export function kmain(): void {
  let count: u32 = 0;
  for (let round: u32 = 0; round < 2; round++) {
    mark(1 + 2 * round);
    count = sieve();
    mark(2 + 2 * round);
  }
  puts("primes below 100000: "); putu(count); puts("\n");
  exit(0);
}
