// exit: 0
// Optional parameters with default values: omitted at some calls and given at others, defaults
// that are expressions of earlier parameters and of globals, and a default on a method of an
// @unmanaged class.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

let base: u32 = 1000;

function scaled(v: u32, by: u32 = 10, plus: u32 = by + 1): u32 { return v * by + plus; }
function offset(v: u32, from: u32 = base): u32 { return from + v; }

@unmanaged
class Cursor {
  at: u32;
  advance(n: u32 = 1): u32 { this.at += n; return this.at; }
}

export function kmain(): void {
  const z = load<u32>(0x400000); // 0 at run time
  putu(scaled(z + 2)); putc(32); putu(scaled(z + 2, 3)); putc(32); putu(scaled(z + 2, 3, 0)); putc(10);
  putu(offset(5)); putc(32);
  base = 2000;
  putu(offset(5)); putc(32); putu(offset(5, z)); putc(10);
  const c = changetype<Cursor>(0x400100);
  c.at = 0;
  putu(c.advance()); putc(32); putu(c.advance(10)); putc(32); putu(c.advance()); putc(10);
  exit(0);
}
