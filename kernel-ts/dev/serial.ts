// COM1 serial output: the kernel's console. Units: bytes (ASCII).

import { outb, inb } from "../arch";

export const COM1: u32 = 0x3f8;

/** Writes one byte, waiting for the transmitter to be ready (line status bit 5). */
export function putc(c: u32): void {
  while ((inb(COM1 + 5) & 0x20) == 0) {}
  outb(COM1, c);
}

/** Writes an ASCII string literal. */
export function puts(s: string): void {
  for (let i = 0; i < s.length; i++) putc(s.charCodeAt(i));
}

/** Writes `v` in decimal (unsigned). */
export function putu(v: u32): void {
  if (v >= 10) putu(v / 10);
  putc(48 + v % 10);
}

/** Writes `v` in decimal (signed). */
export function puti(v: i32): void {
  if (v < 0) { putc(45); putu(<u32>(-v)); } else putu(<u32>v);
}

/** Writes `v` as 0x-prefixed hex, 16 digits. */
export function puthex64(v: u64): void {
  puthex(<u32>(v >> 32));
  for (let i = 7; i >= 0; i--) {
    const d = (<u32>v >> (<u32>i * 4)) & 15;
    putc(d < 10 ? 48 + d : 87 + d);
  }
}

/** Writes `v` in decimal (unsigned). */
export function putu64(v: u64): void {
  if (v >= 10) putu64(v / 10);
  putc(48 + <u32>(v % 10));
}

/** Writes `v` as 0x-prefixed hex with `digits` digits. */
export function puthex(v: u32, digits: i32 = 8): void {
  putc(48); putc(120);
  for (let i = digits - 1; i >= 0; i--) {
    const d = (v >> (<u32>i * 4)) & 15;
    putc(d < 10 ? 48 + d : 87 + d);
  }
}
