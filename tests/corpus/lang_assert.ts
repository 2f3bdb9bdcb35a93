// exit: 3
// assert(value, message) returns its value when it holds (so it can wrap an expression) and
// otherwise panics with the message at the assert's line; asserts with and without messages on
// values of several types.
import { exit } from "../../kernel-ts/arch";
import { putc, putu } from "../../kernel-ts/dev/serial";

const TABLE: StaticArray<u32> = [10, 20, 30];

function find(v: u32): i32 {
  for (let i = 0; i < TABLE.length; i++) if (TABLE[i] == v) return i;
  return -1;
}

export function kmain(): void {
  const at = assert(find(20) + 1, "20 is in the table") - 1;
  putu(<u32>at); putc(10);
  const p = assert(changetype<usize>(TABLE), "the table has an address");
  putu(p != 0 ? 1 : 0); putc(10);
  assert(TABLE.length == 3);
  for (let v: u32 = 10; v <= 40; v += 10) {
    putu(v); putc(10);
    assert(find(v) >= 0, "value must be in the table"); // @trap
  }
  exit(0);
}
