// exit: 0
// memory.copy with overlapping regions behaves as if through a temporary buffer: destination
// above the source (must copy backward) and below it (forward), by 1 and by several bytes.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

const B: usize = 0x400000;

function reset(): void {
  for (let i = 0; i < 16; i++) store<u8>(B + i, 65 + i); // ABCDEFGHIJKLMNOP
}

function show(): void {
  for (let i = 0; i < 16; i++) putc(load<u8>(B + i));
  putc(10);
}

export function kmain(): void {
  const k = load<i32>(0x500000); // memory starts zeroed: k = 0
  reset(); memory.copy(B + 1 + k, B + k, 10); show();   // dst > src by 1
  reset(); memory.copy(B + 4, B + k, 10); show();       // dst > src by 4
  reset(); memory.copy(B + k, B + 1, 10); show();       // dst < src by 1
  reset(); memory.copy(B + k, B + 5, 11); show();       // dst < src by 5
  reset(); memory.copy(B + 3, B + 3 + k, 9); show();    // dst == src
  reset(); memory.copy(B + 2, B + k, 14); show();       // up to the end of the window
  exit(0);
}
