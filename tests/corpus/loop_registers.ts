// exit: 3
// Loops whose slots the compiling tier keeps in ebx and esi (boot/loopregs.ts): the values must be
// written back on every way out — falling out, a break, a return after the loop, a trap inside
// it — and read from their slots after the loop.
import { exit } from "../../kernel-ts/arch";
import { putu, puts } from "../../kernel-ts/dev/serial";

const BASE: usize = 0x300000;

/** Sums with a counter and an accumulator both carried round the loop. */
function sum(n: u32): u32 {
  let s: u32 = 0;
  for (let i: u32 = 0; i < n; i++) s += i * 3;
  return s;
}

/** A break out of the middle of the loop: the index it stopped at must be seen after it. */
function find(n: u32, x: u8): u32 {
  let i: u32 = 0;
  while (i < n) {
    if (load<u8>(BASE + i) == x) break;
    i++;
  }
  return i;
}

/** Nested loops: only the inner one keeps registers; the outer reads what it left. */
function grid(w: u32, h: u32): u32 {
  let t: u32 = 0;
  for (let y: u32 = 0; y < h; y++) {
    let row: u32 = 0;
    for (let x: u32 = 0; x < w; x++) row += x ^ y;
    t += row * (y + 1);
  }
  return t;
}

/** A loop whose exit is its last instruction falling through (do-while), with a store in it. */
function fill(n: u32): u32 {
  let i: u32 = 0;
  do { store<u8>(BASE + i, <u8>(i * 7)); i++; } while (i < n);
  return i;
}

/** A trap inside the loop: the panic names the line, from every tier. */
function walk(p: usize, n: u32): u32 {
  let s: u32 = 0;
  for (let i: u32 = 0; i < n; i++) s += load<u32>(p + (i << 20));
  return s;
}

export function kmain(): void {
  putu(sum(1000)); puts(" ");
  putu(fill(300)); puts(" ");
  putu(find(300, <u8>(77 * 7))); puts(" ");
  putu(find(300, 1)); puts(" ");
  putu(grid(13, 9)); puts("\n");
  putu(walk(BASE, 1 << 12));
  exit(0);
}
