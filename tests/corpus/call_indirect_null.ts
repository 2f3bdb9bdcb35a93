// exit: 3
// Calling a null function reference panics with "indirect call: null or wrong signature": a
// reference is the address of a Function object whose first word is the table index, and the
// null reference (address 0) reads index 0, the table's null slot. Address 0 is set to 0 first,
// as it is on the host, so the result does not depend on what the machine keeps there.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

type UnOp = (x: i32) => i32;

function triple(x: i32): i32 { return x * 3; }

let fn: UnOp = triple;

export function kmain(): void {
  store<u32>(0, 0);
  puti(fn(5)); putc(10);
  if (load<i32>(0x500000) == 0) fn = changetype<UnOp>(0); // memory starts zeroed
  puti(fn(6)); // @trap
  putc(10);
  exit(0);
}
