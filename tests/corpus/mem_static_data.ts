// exit: 0
// Static data: memory.data<u8>/<u16>/<i32> arrays, a zeroed memory.data(size) buffer, and string
// literals, read back with loads (data segments are in memory before kmain runs).
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu, puts } from "../../kernel-ts/dev/serial";

const BYTES = memory.data<u8>([1, 2, 3, 250, 255, 0, 128]);
const HALVES = memory.data<u16>([1000, 65535, 32768]);
const WORDS = memory.data<i32>([-1, 2147483647, -2147483648, 42]);
const BUF = memory.data(64);
const MSG = "static";

function sp(): void { putc(32); }

export function kmain(): void {
  let s: u32 = 0;
  for (let i = 0; i < 7; i++) s += load<u8>(BYTES + i);
  putu(s); sp();
  puti(load<i8>(BYTES + 3)); sp();
  for (let i = 0; i < 3; i++) { putu(load<u16>(HALVES + (i << 1))); sp(); puti(load<i16>(HALVES + (i << 1))); sp(); }
  putc(10);
  for (let i = 0; i < 4; i++) { puti(load<i32>(WORDS + (i << 2))); sp(); }
  putc(10);
  let z: u32 = 0;
  for (let i = 0; i < 64; i++) z |= load<u8>(BUF + i);
  putu(z); sp();
  for (let i = 0; i < 64; i++) store<u8>(BUF + i, i);
  z = 0;
  for (let i = 0; i < 64; i++) z += load<u8>(BUF + i);
  putu(z); sp();
  // a string literal is UTF-16 in static data, its byte length just before it
  const p = changetype<usize>(MSG);
  putu(load<u32>(p - 4)); sp();
  putu(<u32>MSG.length); sp();
  for (let i = 0; i < MSG.length; i++) putc(load<u16>(p + (i << 1)));
  putc(10);
  puts(MSG); putc(10);
  exit(0);
}
