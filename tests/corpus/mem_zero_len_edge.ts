// exit: 3
// Zero-length memory.copy / memory.fill at the very end of memory (address 64 MiB) are allowed
// and do nothing; a zero-length copy starting one byte past the end still panics with "out of
// bounds memory access" (bulk memory checks the range even when it is empty).
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  const zero: usize = <usize>load<u32>(0x500000); // memory starts zeroed
  const end: usize = 0x4000000 + zero;
  memory.copy(end, 0x400000, zero); puts("copy to end\n");
  memory.copy(0x400000, end, zero); puts("copy from end\n");
  memory.fill(end, 0x41, zero); puts("fill at end\n");
  memory.copy(end + 1, 0x400000, zero); // @trap
  puts("not reached\n");
  exit(0);
}
