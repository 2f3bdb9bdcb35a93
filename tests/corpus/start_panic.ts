// exit: 3
// A panic inside a top-level initialiser (the start function, which AssemblyScript names ~start)
// happens before kmain: the frames list the initialiser's function and ~start at the
// declaration's line.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puts } from "../../kernel-ts/dev/serial";

function checked(n: i32): i32 {
  if (n > 0) return checked(n - 1) + 1; // @recurse
  const v = load<i32>(0x500000); // memory starts zeroed
  assert(v != 0, "config word is zero"); // @trap
  return v;
}

puts("start\n");
const config = checked(1); // @call

export function kmain(): void {
  puts("kmain "); puti(config); putc(10);
  exit(0);
}
