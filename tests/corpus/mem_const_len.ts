// exit: 0
// memory.copy and memory.fill with small constant lengths (1, 2, 4, 8, 16 bytes): the optimiser
// may turn these into plain loads and stores, which must still be 32-bit-only code.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

const SRC: usize = 0x400000;

function show(p: usize): void {
  for (let i: usize = 0; i < 20; i++) { const c = load<u8>(p + i); putc(c == 0 ? 46 : c); }
  putc(10);
}

export function kmain(): void {
  const k = <usize>load<u32>(0x500000); // memory starts zeroed: k = 0
  for (let i: usize = 0; i < 20; i++) store<u8>(SRC + i, 65 + <u8>i);
  memory.copy(0x400100 + k, SRC + k, 1); show(0x400100);
  memory.copy(0x400200 + k, SRC + k, 2); show(0x400200);
  memory.copy(0x400300 + k, SRC + k, 4); show(0x400300);
  memory.copy(0x400400 + k, SRC + k, 8); show(0x400400);
  memory.copy(0x400500 + k, SRC + k, 16); show(0x400500);
  memory.fill(0x400600 + k, 97, 1); show(0x400600);
  memory.fill(0x400700 + k, 98, 2); show(0x400700);
  memory.fill(0x400800 + k, 99, 4); show(0x400800);
  memory.fill(0x400900 + k, 100, 8); show(0x400900);
  memory.fill(0x400a00 + k, 101, 16); show(0x400a00);
  exit(0);
}
