// exit: 0
// A dense switch with a default case (asc emits br_table → BRTABLE): every case, the default for
// values below and above the range, a negative value (huge unsigned index) and fall-through.
import { exit } from "../../kernel-ts/arch";
import { putc, puts } from "../../kernel-ts/dev/serial";

const D = memory.data<i32>([0, 1, 2, 3, 4, 5, 6, 7, 8, -1, 100, -2147483648, 3]);

function name(d: i32): void {
  switch (d) {
    case 0: puts("zero"); break;
    case 1: puts("one"); break;
    case 2: puts("two"); break;
    case 3: puts("three"); // falls through
    case 4: puts("four"); break;
    case 5: puts("five"); break;
    case 6: puts("six"); break;
    case 7: puts("seven"); break;
    default: puts("other"); break;
  }
}

export function kmain(): void {
  for (let i = 0; i < 13; i++) {
    name(load<i32>(D + (i << 2)));
    putc(10);
  }
  exit(0);
}
