// exit: 0
// Evaluation order with assignments inside expressions: a local read before it is reassigned in
// the same expression keeps its old value (x + (x = 5)), x++ + x, compound assignments used as
// values, assignments inside call arguments, and a global changed by a call between two reads.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

let g = 0;

function bumpG(by: i32): i32 { g += by; return by; }
function three(a: i32, b: i32, c: i32): i32 { return a * 10000 + b * 100 + c; }
function sp(): void { putc(32); }

export function kmain(): void {
  const base = load<i32>(0x500000); // memory starts zeroed
  let x = base + 7;
  puti(x + (x = 5)); sp();                 // 7 + 5
  puti(x); sp();                           // 5
  let y = base + 3;
  puti(y++ + y); sp();                     // 3 + 4
  puti(y-- * y); sp();                     // 4 * 3
  puti(++y + y++ + y); sp();               // 4 + 4 + 5
  puti(y); putc(10);                       // 5
  let a = base + 2;
  puti((a += 3) * (a *= 2)); sp();         // 5 * 10
  puti(a); sp();                           // 10
  puti(three(a, a = 7, a + 1)); sp();      // 10, 7, 8
  puti(three(a++, a++, a++)); sp();        // 7, 8, 9
  puti(a); putc(10);                       // 10
  g = base + 100;
  puti(g + bumpG(5) + g); sp();            // 100 + 5 + 105
  puti(g); sp();                           // 105
  let b = base + 1;
  const c = (b = b * 3) + (b = b * 3) + b; // 3 + 9 + 9
  puti(c); sp(); puti(b); sp();
  let t = base;
  for (let i = 0; i < 5; i++) t = t * 2 + (t = i);
  puti(t);                                 // t: 0→0→1*... see model
  putc(10);
  exit(0);
}
