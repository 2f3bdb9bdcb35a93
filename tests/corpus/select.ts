// exit: 0
// Ternaries on simple values become wasm select (SELECT): max, min, abs, clamp, signed and
// unsigned, with the condition both a compare and a plain value.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, putu } from "../../kernel-ts/dev/serial";

const A = memory.data<i32>([3, -3, 0, 2147483647, -2147483648, 100, -1]);
const B = memory.data<i32>([5, -5, 0, -2147483648, 2147483647, 50, 1]);

function sp(): void { putc(32); }

function maxs(a: i32, b: i32): i32 { return a > b ? a : b; }
function mins(a: i32, b: i32): i32 { return a < b ? a : b; }
function maxu(a: u32, b: u32): u32 { return a > b ? a : b; }
function abs32(a: i32): i32 { return a < 0 ? -a : a; }
function clamp(a: i32, lo: i32, hi: i32): i32 { const t = a < lo ? lo : a; return t > hi ? hi : t; }
function pick(flag: i32, a: i32, b: i32): i32 { return flag ? a : b; }

export function kmain(): void {
  for (let i = 0; i < 7; i++) {
    const a = load<i32>(A + (i << 2));
    const b = load<i32>(B + (i << 2));
    puti(maxs(a, b)); sp();
    puti(mins(a, b)); sp();
    putu(maxu(<u32>a, <u32>b)); sp();
    puti(abs32(a)); sp();
    puti(clamp(a, -10, 10)); sp();
    puti(pick(a & 2, a, b)); sp();
    puti(max<i32>(a, b) - min<i32>(a, b));
    putc(10);
  }
  exit(0);
}
