// exit: 0
// Top-level StaticArray constants (static data, no allocation): u32, i8 and u16 elements,
// .length, indexing with the bounds check and with unchecked(), a table of string literals, and
// writes into a StaticArray (its elements live in writable static data).
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puts } from "../../kernel-ts/dev/serial";

const PRIMES: StaticArray<u32> = [2, 3, 5, 7, 11, 13];
const DELTAS: StaticArray<i8> = [-1, 0, 1, -128, 127];
const WIDE: StaticArray<u16> = [1000, 65535, 0];
const NAMES: StaticArray<string> = ["zero", "one", "two"];
const SLOTS: StaticArray<u32> = [0, 0, 0, 0];

function sum(a: StaticArray<u32>): u32 {
  let s: u32 = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

export function kmain(): void {
  putu(PRIMES.length); putc(32); putu(sum(PRIMES)); putc(10);
  const k = load<u8>(0x400000); // 0: indices computed at run time
  putu(PRIMES[k + 5]); putc(32); putu(unchecked(PRIMES[k + 2])); putc(10);
  for (let i = 0; i < DELTAS.length; i++) { puti(DELTAS[i]); putc(32); }
  putc(10);
  putu(WIDE[k]); putc(32); putu(WIDE[k + 1]); putc(32); putu(WIDE.length); putc(10);
  for (let i = 0; i < NAMES.length; i++) { puts(NAMES[i]); putc(i + 1 < NAMES.length ? 44 : 10); }
  for (let i = 0; i < SLOTS.length; i++) SLOTS[i] = PRIMES[i] * PRIMES[i];
  SLOTS[k + 3] += 1;
  putu(sum(SLOTS)); putc(10);
  exit(0);
}
