// exit: 0
// Calls nested in the arguments of calls (each result lands in the right argument slot), with
// intrinsic calls and indirect calls among the arguments, and a call result used by the next
// argument's computation.
import { inb, exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

function f4(a: i32, b: i32, c: i32, d: i32): i32 { return ((a * 31 + b) * 31 + c) * 31 + d; }
function g(a: i32, b: i32): i32 { return a * 7 - b; }
function h(a: i32): i32 { return a ^ 0x5a; }
function k(): i32 { return 1000 + load<i32>(0x500000); } // memory starts zeroed

let hf: (a: i32) => i32 = h;

export function kmain(): void {
  const base = load<i32>(0x500000);
  const a = base + 1, b = base + 2, c = base + 3;
  puti(f4(a, g(b, h(c)), k(), f4(c, b, a, g(a, a)))); putc(10);
  puti(f4(g(g(a, b), g(b, c)), hf(hf(c)), <i32>inb(0x3fd), hf(k()))); putc(10);
  puti(g(f4(1, 2, 3, 4), f4(4, 3, 2, 1)) + h(g(h(a), h(b)))); putc(10);
  exit(0);
}
