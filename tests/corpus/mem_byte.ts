// exit: 0
// 8-bit stores (ST8) keep only the low byte; load<u8> zero-extends (LD8U) and load<i8>
// sign-extends (LD8S); bytes written one by one read back as a word.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puthex } from "../../kernel-ts/dev/serial";

const V = memory.data<u32>([0x00, 0x7f, 0x80, 0xff, 0x1ab, 0xfffffffe]);

function sp(): void { putc(32); }

export function kmain(): void {
  const a: usize = 0x400000;
  for (let i = 0; i < 6; i++) {
    const v = load<u32>(V + (i << 2));
    store<u8>(a + i, v);
    putu(load<u8>(a + i)); sp();
    puti(load<i8>(a + i)); sp();
    puti(<i32>load<u8>(a + i) - 128);
    putc(10);
  }
  puthex(load<u32>(a)); sp();
  puthex(load<u16>(a + 4), 4); putc(10);
  // a byte-wise string reverse in memory
  const s: usize = 0x400100;
  const n = 10;
  for (let i = 0; i < n; i++) store<u8>(s + i, 97 + i);
  for (let i = 0, j = n - 1; i < j; i++, j--) {
    const t = load<u8>(s + i);
    store<u8>(s + i, load<u8>(s + j));
    store<u8>(s + j, t);
  }
  for (let i = 0; i < n; i++) putc(load<u8>(s + i));
  putc(10);
  exit(0);
}
