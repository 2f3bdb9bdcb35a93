// exit: 0
// i64 shl, shr_s, shr_u, rotl and rotr by run-time counts 0, 1, 31, 32, 33, 63, 64, 65, 127 and
// negative ones (wasm uses the count mod 64), from an i64 and from an i32 count widened with
// <u64>; then constant counts (immediates), including 64 and above, and shift pairs that
// isolate bit fields.
import { exit } from "../../kernel-ts/arch";
import { putc } from "../../kernel-ts/dev/serial";

function hex32(v: u32): void {
  for (let i = 28; i >= 0; i -= 4) { const d = (v >> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }
}
/** v as 16 hex digits: the high word, then the low word. */
function hex64(v: u64): void { hex32(<u32>(v >> 32)); hex32(<u32>v); }
function sp(): void { putc(32); }

const V = memory.data<u64>([0x0123456789ABCDEF, 0x8000000000000001, 0xFFFFFFFFFFFFFFFF, 0xF0F0F0F00F0F0F0F]);
const NC = 16;
const COUNTS = memory.data<i64>([0, 1, 31, 32, 33, 63, 64, 65, 127, 4, 36, -1, -32, -33, -63, -64]);
const C32 = memory.data<i32>([0, 1, 31, 32, 33, 63, 64, 65, 127, 4, 36, -1, -32, -33, -63, -64]);

export function kmain(): void {
  for (let i = 0; i < 4; i++) {
    const a = load<u64>(V + (i << 3));
    for (let j = 0; j < NC; j++) {
      const n = load<u64>(COUNTS + (j << 3));
      hex64(a << n); sp();
      hex64(<u64>(<i64>a >> <i64>n)); sp();
      hex64(a >> n); sp();
      hex64(rotl<u64>(a, n)); sp();
      hex64(rotr<u64>(a, n));
      putc(10);
    }
  }
  // an i32 count widened to 64 bits: zero-extended (<u64><u32>) or sign-extended (<u64>k)
  for (let j = 0; j < NC; j++) {
    const k = load<i32>(C32 + (j << 2));
    const a = load<u64>(V);
    hex64(a << <u64><u32>k); sp();
    hex64(<u64>(<i64>a >> <i64>k)); sp();
    hex64(rotr<u64>(a, <u64>k));
    putc(10);
  }
  for (let i = 0; i < 4; i++) {
    const a = load<u64>(V + (i << 3));
    const s = <i64>a;
    hex64(a << 1); sp();
    hex64(a << 31); sp();
    hex64(a << 32); sp();
    hex64(a << 33); sp();
    hex64(a << 63); putc(10);
    hex64(a >> 1); sp();
    hex64(a >> 32); sp();
    hex64(a >> 40); sp();
    hex64(a >> 63); sp();
    hex64(<u64>(s >> 1)); sp();
    hex64(<u64>(s >> 32)); sp();
    hex64(<u64>(s >> 40)); sp();
    hex64(<u64>(s >> 63)); putc(10);
    hex64(rotl<u64>(a, 8)); sp();
    hex64(rotl<u64>(a, 32)); sp();
    hex64(rotr<u64>(a, 4)); sp();
    hex64(rotr<u64>(a, 36)); sp();
    hex64(rotl<u64>(a, 64)); sp();
    hex64(rotr<u64>(a, 65)); putc(10);
    hex64((a << 20) >> 44); sp();
    hex64(<u64>((s << 28) >> 60)); sp();
    hex64((a >> 28) << 60); putc(10);
  }
  exit(0);
}
