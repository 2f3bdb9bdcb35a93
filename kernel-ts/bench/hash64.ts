// Benchmark: 64-bit hashing — FNV-1a over 16 KiB a byte at a time, then a splitmix64 finaliser
// per 8-byte word (multiplies, xor-shifts, a rotate) and a 64-bit remainder per 64 words: the
// i64 operators a kernel reaches for in hashes and counters. The work runs twice (markers 1–2
// cold, 3–4 warm).
import { mark, exit } from "../arch";
import { puthex64, puts } from "../dev/serial";

const BASE: usize = 0x400000;
const BYTES: u32 = 16384;

function hash(): u64 {
  let h: u64 = 0xcbf29ce484222325;                     // FNV-1a offset basis
  for (let i: u32 = 0; i < BYTES; i++) h = (h ^ <u64>load<u8>(BASE + i)) * 0x100000001b3;
  let acc: u64 = h;
  for (let i: u32 = 0; i < BYTES; i += 8) {
    let z = load<u64>(BASE + i) + acc + 0x9e3779b97f4a7c15;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    acc = rotl<u64>(acc ^ z ^ (z >> 31), 17);
    if ((i & 511) == 0) acc += acc % 0xfffffffb;        // a 64-bit remainder by a 32-bit prime
  }
  return acc;
}

export function kmain(): void {
  for (let i: u32 = 0; i < BYTES; i++) store<u8>(BASE + i, <u8>(i * 167 + (i >> 7)));
  let h: u64 = 0;
  for (let round: u32 = 0; round < 2; round++) {
    mark(1 + 2 * round);
    h = hash();
    mark(2 + 2 * round);
  }
  puts("hash64 = "); puthex64(h); puts("\n");
  exit(0);
}
