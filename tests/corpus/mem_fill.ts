// exit: 0
// memory.fill (MFILL): the value's low byte fills n bytes; zero length; unaligned starts; a large
// fill checked at its edges.
import { exit } from "../../kernel-ts/arch";
import { putc, puthex, putu } from "../../kernel-ts/dev/serial";

const V = memory.data<u32>([0x41, 0x1ab, 0xffffff2a, 0]);

function sp(): void { putc(32); }

export function kmain(): void {
  const B: usize = 0x400000;
  const a = load<u32>(V), b = load<u32>(V + 4), c = load<u32>(V + 8), z = load<u32>(V + 12);
  memory.fill(B, <u8>a, 8);
  memory.fill(B + 3, <u8>b, 3);
  memory.fill(B + 5, <u8>c, z);
  puthex(load<u32>(B)); sp(); puthex(load<u32>(B + 4)); sp(); puthex(load<u32>(B + 8)); putc(10);
  memory.fill(B + 0x101, <u8>c, 0x40000);
  putu(load<u8>(B + 0x100)); sp();
  putu(load<u8>(B + 0x101)); sp();
  putu(load<u8>(B + 0x40100)); sp();
  putu(load<u8>(B + 0x40101)); sp();
  let sum: u32 = 0;
  for (let i: usize = 0; i < 0x40000; i++) sum += load<u8>(B + 0x101 + i);
  putu(sum);
  putc(10);
  exit(0);
}
