// exit: 0
// i32.extend8_s and i32.extend16_s (casts through i8 / i16), and the zero-extending casts through
// u8 / u16 (masks).
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const V = memory.data<u32>([0, 0x7f, 0x80, 0xff, 0x17f, 0x7fff, 0x8000, 0xffff, 0x12345678, 0xfffe8081]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 10; i++) {
    const v = load<u32>(V + (i << 2));
    puti(<i32><i8>v); sp();
    puti(<i32><i16>v); sp();
    puti(<i32><u8>v); sp();
    puti(<i32><u16>v);
    putc(10);
  }
  exit(0);
}
