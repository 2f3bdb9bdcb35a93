// exit: 0
// Mutable module-level globals (GGET/GSET): counters updated from several functions, a global
// holding an address, and globals read after a loop that writes them.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puthex } from "../../kernel-ts/dev/serial";

let counter: i32 = 0;
let total: i32 = 100;
let seed: u32 = 12345;
let cursor: usize = 0x400000;

function bump(by: i32): void {
  counter++;
  total += by;
}

function rand(): u32 {
  seed = seed * 1103515245 + 12345;
  return (seed >>> 16) & 0x7fff;
}

function emit(v: u32): void {
  store<u32>(cursor, v);
  cursor += 4;
}

function sp(): void { putc(32); }

export function kmain(): void {
  const n = load<i32>(0x400000) + 5; // memory starts zeroed: n = 5
  for (let i = 0; i < n; i++) bump(i * 3 - 4);
  puti(counter); sp(); puti(total); putc(10);
  for (let i = 0; i < 4; i++) { const r = rand(); emit(r); putu(r); sp(); }
  putc(10);
  puthex(<u32>cursor); sp(); putu(seed); putc(10);
  let sum: u32 = 0;
  for (let p: usize = 0x400000; p < cursor; p += 4) sum += load<u32>(p);
  putu(sum); putc(10);
  exit(0);
}
