// exit: 0
// A sparse switch (compare chain, no table), including a negative case, and a switch over
// character codes with grouped cases and a default.
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([1, 10, 100, 1000, 5, 65, 97, 90, 122, 48, -1000]);

function classify(x: i32): void {
  switch (x) {
    case 1: puts("one"); break;
    case 10: puts("ten"); break;
    case 100: puts("hundred"); break;
    case 1000: puts("thousand"); break;
    case -1000: puts("minus thousand"); break;
    default: puts("?"); break;
  }
}

function kind(c: i32): void {
  switch (c) {
    case 65: case 90: puts("upper-edge"); break;
    case 97: case 122: puts("lower-edge"); break;
    case 48: puts("digit"); break;
    default: puts("-");
  }
}

export function kmain(): void {
  for (let i = 0; i < 11; i++) {
    const v = load<i32>(D + (i << 2));
    classify(v); putc(32); kind(v); putc(10);
  }
  exit(0);
}
