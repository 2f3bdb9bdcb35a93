// exit: 0
// A function with no parameters, locals or values on its operand stack that calls a void function
// of no arguments: the call's frame window is its slot 0, so the caller's frame must hold a slot.
import { putc } from "../../kernel-ts/dev/serial";

let round: i32 = 0;

/** Prints the alphabet stepped by 7 from letter `round`, three times over (recursive: not inlined). */
function work(): void {
  for (let i = 0; i < 26; i++) putc(65 + ((i * 7 + round) % 26));
  putc(10);
  round++;
  if (round < 3) work();
}

export function kmain(): void { work(); }
