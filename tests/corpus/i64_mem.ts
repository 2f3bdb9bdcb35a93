// exit: 0
// i64 loads and stores of every width at unaligned addresses (0x400001, 0x400003, 0x400005, ...)
// and with constant offsets: i64.load / i64.store (load<u64>, load<i64>, store<u64>), the
// narrow loads i64.load8_s/u, load16_s/u, load32_s/u (the i64 builtins, and the casts
// <i64>load<i8>(p) and the like, which binaryen folds into them) and the narrow stores
// i64.store8/16/32 (store<u8>(p, <u64>x) and the builtins); stores straddle 4- and 8-byte
// boundaries and only their own bytes change. Bytes are read back one at a time.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
function hex8(v: u32): void { const a = (v >> 4) & 15, b = v & 15; putc(a < 10 ? 48 + a : 87 + a); putc(b < 10 ? 48 + b : 87 + b); }
function sp(): void { putc(32); }
function dump(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) hex8(load<u8>(p + i));
  putc(10);
}

export function kmain(): void {
  const p: usize = 0x400000 + <usize>load<u32>(0x500000); // memory starts zeroed
  for (let i: usize = 0; i < 32; i++) store<u8>(p + i, <u8>(0x70 + i * 3));
  dump(p, 32);
  // 64-bit loads at every alignment, with and without a constant offset
  for (let k: usize = 0; k < 9; k++) { hex64(load<u64>(p + k)); sp(); }
  putc(10);
  hex64(load<u64>(p + 1, 2)); sp();
  hex64(<u64>load<i64>(p + 3, 4)); sp();
  hex64(load<u64>(p, 13)); sp();
  hex64(<u64>i64.load(p + 5, 16));
  putc(10);
  // narrow loads into i64, signed and unsigned
  for (let k: usize = 1; k < 32; k += 6) {
    hex64(<u64>i64.load8_s(p + k)); sp();
    hex64(<u64>i64.load8_u(p + k)); sp();
    hex64(<u64>i64.load16_s(p + k)); sp();
    hex64(<u64>i64.load16_u(p + k)); sp();
    hex64(<u64>i64.load32_s(p + k - 1)); sp();
    hex64(<u64>i64.load32_u(p + k - 1));
    putc(10);
  }
  hex64(<u64><i64>load<i8>(p + 5)); sp();
  hex64(<u64>load<u8>(p + 5)); sp();
  hex64(<u64><i64>load<i16>(p + 3)); sp();
  hex64(<u64>load<u16>(p + 3)); sp();
  hex64(<u64><i64>load<i32>(p + 23)); sp();
  hex64(<u64>load<u32>(p + 23)); sp();
  hex64(<u64>i64.load8_s(p, 29)); sp();
  hex64(<u64>i64.load16_s(p + 1, 26)); sp();
  hex64(<u64>i64.load32_s(p + 3, 22));
  putc(10);
  // stores: 64-bit at odd addresses (straddling), then 32, 16 and 8 bits of 64-bit values
  const v = load<u64>(p + 7) ^ 0xDEADBEEFCAFEF00D;
  store<u64>(p + 1, v);
  store<u64>(p + 11, ~v, 4);
  dump(p, 32);
  const w = load<u64>(p + 2) * 0x100000001;
  store<u32>(p + 3, w);
  store<u16>(p + 9, w >> 8);
  store<u8>(p + 13, w >> 56);
  i64.store32(p + 21, w, 2);
  i64.store16(p + 5, <i64>(w >> 24), 1);
  i64.store8(p + 31, 0x12345678AB);
  dump(p, 32);
  hex64(w); sp();
  hex64(load<u64>(p + 3)); sp();
  hex64(load<u64>(p + 19)); sp();
  hex64(<u64>load<i32>(p + 5));
  putc(10);
  exit(0);
}
