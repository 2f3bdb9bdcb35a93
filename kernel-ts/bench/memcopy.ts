// Benchmark: a word-by-word memory-copy loop (256 KiB, 8 times) — 32-bit loads and stores.
// The work runs twice (markers 1–2 cold, 3–4 warm).
import { mark, exit } from "../arch";
import { putu, puts } from "../dev/serial";

const SRC: usize = 0x400000;
const DST: usize = 0x500000;
const BYTES: usize = 256 * 1024;

function copyRounds(): void {
  for (let round = 0; round < 8; round++) {
    for (let i: usize = 0; i < BYTES; i += 4) store<u32>(DST + i, load<u32>(SRC + i) + <u32>round);
  }
}

export function kmain(): void {
  for (let i: usize = 0; i < BYTES; i += 4) store<u32>(SRC + i, <u32>i * 2654435761);
  for (let round: u32 = 0; round < 2; round++) {
    mark(1 + 2 * round);
    copyRounds();
    mark(2 + 2 * round);
  }
  let sum: u32 = 0;
  for (let i: usize = 0; i < BYTES; i += 4) sum ^= load<u32>(DST + i);
  puts("checksum: "); putu(sum); puts("\n");
  exit(0);
}
