// exit: 0
// Generics: a generic function instantiated for several integer types (wrapping to the type's
// width), compile-time type checks (isSigned, sizeof<T>) choosing code per instance, explicit
// and inferred type arguments, and a generic @unmanaged class placed with changetype.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

function largest<T>(a: T, b: T): T { return a > b ? a : b; }

function inc<T>(v: T): T { return v + <T>1; }

function describe<T>(): void {
  putu(sizeof<T>()); putc(isSigned<T>() ? 115 : 117); putc(32);
}

@unmanaged
class Pair<T> {
  first: T;
  second: T;
  sum(): T { return this.first + this.second; }
  swap(): void { const t = this.first; this.first = this.second; this.second = t; }
}

export function kmain(): void {
  puti(largest<i32>(-5, 3)); putc(32); putu(largest<u32>(0xffffffff, 3) >> 28); putc(32);
  puti(largest(<i8>-1, <i8>-7)); putc(10);
  putu(inc<u8>(255)); putc(32); putu(inc<u16>(65535)); putc(32); puti(inc<i8>(127)); putc(32);
  putu(inc<u32>(41)); putc(10);
  describe<u8>(); describe<i16>(); describe<u32>(); describe<isize>(); putc(10);
  const p = changetype<Pair<u16>>(0x400100);
  p.first = 40000; p.second = 30000;
  putu(p.sum()); putc(32);
  p.swap();
  putu(p.first); putc(32); putu(load<u16>(0x400102)); putc(32); putu(offsetof<Pair<u16>>("second")); putc(10);
  const q = changetype<Pair<i32>>(0x400200);
  q.first = -10; q.second = 3;
  puti(q.sum()); putc(32); putu(offsetof<Pair<i32>>("second")); putc(10);
  exit(0);
}
