// exit: 3
// `throw new Error(message)` is a panic with the message (asc compiles it to abort; no Error object
// is allocated and there is no catch): statements before it run, the ones after it do not.
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

function probe(port: u32): bool {
  return port == 0x3f8;
}

export function kmain(): void {
  for (let port: u32 = 0x3f8; port < 0x400; port++) {
    puts(probe(port) ? "found" : "none"); putc(10);
    if (!probe(port)) throw new Error("no device"); // @trap
  }
  puts("unreachable"); putc(10);
  exit(0);
}
