// exit: 0
// A dense switch whose cases return values (a br_table that carries no value but whose arms
// each return), with a default; and a switch over a range starting above zero (the index is
// offset before the table).
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([0, 1, 2, 3, 4, 5, 6, -3, 9, 10, 11, 12, 13, 14]);

function days(m: i32): i32 {
  switch (m) {
    case 1: return 31;
    case 2: return 28;
    case 3: return 31;
    case 4: return 30;
    case 5: return 31;
    case 6: return 30;
    default: return -1;
  }
}

function weight(k: i32): i32 {
  switch (k) {
    case 10: return 7;
    case 11: return 700;
    case 12: return -70;
    case 13: return 7000000;
    default: return 0;
  }
}

function sp(): void { putc(32); }

export function kmain(): void {
  for (let i = 0; i < 14; i++) {
    const v = load<i32>(D + (i << 2));
    puti(days(v)); sp();
    puti(weight(v));
    putc(10);
  }
  exit(0);
}
