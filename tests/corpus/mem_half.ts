// exit: 0
// 16-bit stores (ST16) keep only the low 16 bits; load<u16> zero-extends (LD16U) and load<i16>
// sign-extends (LD16S); at aligned and odd (unaligned) addresses.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puthex } from "../../kernel-ts/dev/serial";

const V = memory.data<u32>([0x1234, 0x8000, 0xffff, 0x12345678, 0x7fff, 0xabcd8001]);

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 6; i++) {
    const v = load<u32>(V + (i << 2));
    const a: usize = 0x400000 + (i << 4);
    store<u32>(a, 0xeeeeeeee);
    store<u32>(a + 4, 0xeeeeeeee);
    store<u16>(a, v);
    store<u16>(a + 5, v);
    putu(load<u16>(a)); sp();
    puti(load<i16>(a)); sp();
    putu(load<u16>(a + 5)); sp();
    puti(load<i16>(a + 5)); sp();
    puthex(load<u32>(a)); sp();
    puthex(load<u32>(a + 4));
    putc(10);
  }
  exit(0);
}
