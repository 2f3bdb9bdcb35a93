// exit: 0
// u8 / i8 / u16 / i16 locals wrap at their width (AssemblyScript masks or sign-extends on use):
// increments past the maximum, negative values, multiplication and shifts, and casts to i32.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([250, 120, 65530, 32760, -3]);

function sp(): void { putc(32); }

export function kmain(): void {
  let b: u8 = <u8>load<i32>(D);
  let c: i8 = <i8>load<i32>(D + 4);
  let w: u16 = <u16>load<i32>(D + 8);
  let s: i16 = <i16>load<i32>(D + 12);
  const m = load<i32>(D + 16);
  for (let i = 0; i < 10; i++) { b += 1; c += 1; w += 1; s += 1; }
  putu(b); sp(); puti(c); sp(); putu(w); sp(); puti(s); putc(10);
  b = <u8>m; c = <i8>m; w = <u16>m; s = <i16>m;
  putu(b); sp(); puti(c); sp(); putu(w); sp(); puti(s); putc(10);
  b = b * 3; c = c * 50; w = w << 4; s = s * 20000;
  putu(b); sp(); puti(c); sp(); putu(w); sp(); puti(s); putc(10);
  const total: i32 = <i32>b + <i32>c + <i32>w + <i32>s;
  puti(total); sp();
  puti(<i32>(<i8>(b + 200))); sp();
  putu(<u32>(<u16>(w - 0xffff)));
  putc(10);
  exit(0);
}
