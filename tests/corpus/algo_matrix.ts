// exit: 0
// 4x4 integer matrix multiplication in memory (row-major words), matrix powers with wrap-around,
// and the trace; exercises nested loops, multiplies and address arithmetic.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const M: usize = 0x400000;   // A
const R: usize = 0x400100;   // result
const T: usize = 0x400200;   // temporary

function get(p: usize, i: i32, j: i32): i32 { return load<i32>(p + (<usize>(i * 4 + j) << 2)); }
function put(p: usize, i: i32, j: i32, v: i32): void { store<i32>(p + (<usize>(i * 4 + j) << 2), v); }

function mul(dst: usize, a: usize, b: usize): void {
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += get(a, i, k) * get(b, k, j);
      put(dst, i, j, s);
    }
}

function show(p: usize): void {
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) { puti(get(p, i, j)); putc(j == 3 ? 10 : 32); }
  }
}

export function kmain(): void {
  const base = load<i32>(0x500000); // memory starts zeroed
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) put(M, i, j, base + (i + 1) * (j + 2) - 2 * j + (i == j ? 1 : 0));
  show(M);
  // R = M^1; then R = R * M, 12 times (entries wrap)
  memory.copy(R, M, 64);
  for (let n = 0; n < 12; n++) { mul(T, R, M); memory.copy(R, T, 64 + base); }
  show(R);
  let tr = 0;
  for (let i = 0; i < 4; i++) tr += get(R, i, i);
  puti(tr); putc(10);
  exit(0);
}
