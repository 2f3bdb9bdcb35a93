// exit: 3
// A byte store at address 64 MiB (one past the end) panics with "out of bounds memory access",
// inside a function called from kmain; the store just below the end works.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

function poke(addr: usize, v: u8, depth: i32): void {
  if (depth > 0) { poke(addr, v, depth - 1); return; } // @recurse
  store<u8>(addr, v); // @trap
}

export function kmain(): void {
  const top: usize = 0x4000000 - 1 + <usize>load<u32>(0x500000); // memory starts zeroed
  poke(top, 7, 0);
  putu(load<u8>(top)); putc(10);
  poke(top + 1, 8, 1); // @call
  putu(load<u8>(top + 1)); putc(10);
  exit(0);
}
