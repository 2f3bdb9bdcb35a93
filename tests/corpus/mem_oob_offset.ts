// exit: 3
// The effective address of a load is base + offset without 32-bit wrap-around: base 0xFFFFFFFC
// with offset 8 is out of bounds (it does not wrap to address 4).
import { exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  store<u32>(4, 0x600dc0de);
  const base = <usize>load<u32>(0x500000) + 4; // memory starts zeroed: base = 4
  puthex(load<u32>(base, 0)); putc(10);
  const wrapped = base - 8; // 0xFFFFFFFC
  puthex(<u32>wrapped); putc(10);
  puthex(load<u32>(wrapped, 8)); // @trap
  putc(10);
  exit(0);
}
