// exit: 0
// Namespaces: functions, constants and a mutable variable inside a namespace, a nested
// namespace, namespace members calling each other unqualified, and an exported namespace used
// with its qualified name.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

namespace ring {
  export const SIZE: u32 = 8;
  let head: u32 = 0;
  export function push(): u32 { const at = head; head = (head + 1) % SIZE; return at; }
  export function used(): u32 { return head; }
  export namespace math {
    export function wrap(v: u32): u32 { return v % SIZE; }
    export function twice(v: u32): u32 { return wrap(v * 2); }
  }
}

export namespace units {
  export const KIB: u32 = 1024;
  export function kib(n: u32): u32 { return n * KIB; }
}

export function kmain(): void {
  putu(ring.SIZE); putc(10);
  for (let i = 0; i < 10; i++) { putu(ring.push()); putc(32); }
  putc(10);
  putu(ring.used()); putc(32); putu(ring.math.wrap(13)); putc(32); putu(ring.math.twice(7)); putc(10);
  putu(units.kib(4)); putc(32); putu(units.KIB >> 2); putc(10);
  exit(0);
}
