// exit: 3
// Calling a function through a reference of the wrong type (a (x: i32) => i32 function called
// as () => void) panics with "indirect call: null or wrong signature".
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

type UnOp = (x: i32) => i32;
type Thunk = () => void;

function triple(x: i32): i32 { return x * 3; }
function shout(): void { putc(33); }

let good: UnOp = triple;
let thunk: Thunk = shout;

export function kmain(): void {
  puti(good(5)); putc(10);
  thunk(); putc(10);
  if (load<i32>(0x500000) == 0) thunk = changetype<Thunk>(changetype<usize>(good)); // memory starts zeroed
  thunk(); // @trap
  putc(10);
  exit(0);
}
