// The shell's words: the line split at spaces, compared with literals, read as numbers (decimal,
// or hex with 0x). Units: byte offsets into the line buffer.

import { line_addr, line_len } from "./line";
import { putc } from "../dev/serial";

const MAX_WORDS: i32 = 8;
const starts = memory.data(MAX_WORDS * 4);
const lens = memory.data(MAX_WORDS * 4);
let count: i32 = 0;
let tooMany = false;

/** Splits the last line read into words; returns how many (words past MAX_WORDS set args_too_many). */
export function args_split(): i32 {
  const p = line_addr(), n = line_len();
  count = 0; tooMany = false;
  let i: u32 = 0;
  while (i < n) {
    while (i < n && load<u8>(p + i) == 32) i++;
    if (i >= n) break;
    const s = i;
    while (i < n && load<u8>(p + i) != 32) i++;
    if (count == MAX_WORDS) { tooMany = true; break; }
    store<u32>(starts + (<usize>count << 2), s);
    store<u32>(lens + (<usize>count << 2), i - s);
    count++;
  }
  return count;
}

export function args_count(): i32 { return count; }
export function args_too_many(): bool { return tooMany; }

/** True when word `k` is exactly `lit` (ASCII). */
export function arg_is(k: i32, lit: string): bool {
  if (k >= count) return false;
  const s = load<u32>(starts + (<usize>k << 2)), n = load<u32>(lens + (<usize>k << 2));
  if (<i32>n != lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (<u32>load<u8>(line_addr() + s + i) != <u32>lit.charCodeAt(i)) return false;
  return true;
}

/** Prints word `k`. */
export function arg_put(k: i32): void {
  const s = load<u32>(starts + (<usize>k << 2)), n = load<u32>(lens + (<usize>k << 2));
  for (let i: u32 = 0; i < n; i++) putc(load<u8>(line_addr() + s + i));
}

let numOk = false;
/** Whether the last arg_num read a number. */
export function arg_num_ok(): bool { return numOk; }

/** Word `k` as a u32: decimal or 0x-prefixed hex; arg_num_ok() says false if it is not one (or overflows). */
export function arg_num(k: i32): u32 {
  numOk = false;
  if (k >= count) return 0;
  const p = line_addr() + load<u32>(starts + (<usize>k << 2)), n = load<u32>(lens + (<usize>k << 2));
  let i: u32 = 0, base: u32 = 10;
  if (n > 2 && load<u8>(p) == 48 && (load<u8>(p + 1) | 32) == 120) { i = 2; base = 16; }
  if (i >= n) return 0;
  let v: u32 = 0;
  for (; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    let d: u32;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (base == 16 && (c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
    else return 0;
    if (base == 16 ? v > 0x0fffffff : v > (0xffffffff - d) / 10) return 0; // it would overflow
    v = v * base + d;
  }
  numOk = true;
  return v;
}
