// exit: 0
// if / else if / else ladders, nested ifs, conditions joined with && and ||, and if-else used as
// a value (an i32-result block whose arms call functions).
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puts } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([-50, -1, 0, 1, 9, 10, 99, 100, 1000, 7]);

function grade(x: i32): void {
  if (x < 0) puts("neg");
  else if (x == 0) puts("zero");
  else if (x < 10) puts("small");
  else if (x < 100) puts("medium");
  else puts("large");
}

function twice(x: i32): i32 { puts("T"); return x * 2; }
function negate(x: i32): i32 { puts("N"); return -x; }

export function kmain(): void {
  for (let i = 0; i < 10; i++) {
    const x = load<i32>(D + (i << 2));
    grade(x);
    putc(32);
    if (x > 0) {
      if (x % 2 == 0) putc(101); else putc(111);
    } else {
      putc(45);
    }
    if (x >= 1 && x <= 9) putc(100);
    if (x < -10 || x > 500) putc(33);
    putc(32);
    const y = x & 1 ? twice(x) : negate(x);
    puti(y);
    putc(10);
  }
  exit(0);
}
