// exit: 0
// Mutable module-level 64-bit globals (two words each): a u64 xorshift state and an i64 total
// updated from several functions, a 64-bit counter whose low word wraps into the high word, a
// global read after the loop that writes it, and a global initialised with a constant whose high
// word only is set.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
function sp(): void { putc(32); }

let state: u64 = 0x9E3779B97F4A7C15;
let total: i64 = -0x100000000;
let ticks: u64 = 0xFFFFFFF0;
let high: u64 = 0x8000000000000000;
let small: i32 = 5;

function next(): u64 {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

function account(v: u64): void {
  total += <i64>(v >> 40) - 0x800000;
  ticks += 3;
  small++;
}

export function kmain(): void {
  const n = load<i32>(0x500000) + 8; // memory starts zeroed: n = 8
  for (let i = 0; i < n; i++) {
    const r = next();
    account(r);
    hex64(r); sp();
    hex64(<u64>total); sp();
    hex64(ticks);
    putc(10);
  }
  hex64(state); sp();
  hex64(high | <u64>small); sp();
  high >>= <u64>small;
  hex64(high); sp();
  hex64(<u64>total * ticks);
  putc(10);
  exit(0);
}
