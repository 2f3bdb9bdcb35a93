// exit: 3
// A function reference whose table index is past the end of the table panics with "indirect
// call: table index out of bounds" (a forged reference: a Function object built in memory).
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

type UnOp = (x: i32) => i32;

function triple(x: i32): i32 { return x * 3; }

let fn: UnOp = triple;

export function kmain(): void {
  puti(fn(5)); putc(10);
  // a function reference points at its table index (first word) and its environment; copy both,
  // then break the index
  const fake: usize = 0x400000;
  store<u32>(fake, load<u32>(changetype<usize>(fn)));
  store<u32>(fake, load<u32>(changetype<usize>(fn), 4), 4);
  puti(changetype<UnOp>(fake)(7)); putc(10);
  store<u32>(fake, 1000 + load<u32>(0x500000)); // memory starts zeroed
  fn = changetype<UnOp>(fake);
  puti(fn(6)); // @trap
  putc(10);
  exit(0);
}
