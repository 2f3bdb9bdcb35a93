// exit: 0
// Enums: implicit values counting from 0, explicit and negative values, values continuing after
// an explicit one, a const enum (inlined constants), an enum as a parameter and result type, and
// a switch over enum members.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puts } from "../../kernel-ts/dev/serial";

enum Color { Red, Green, Blue }
enum Irq { Timer = 32, Keyboard, Cascade, Com1 = 36 }
enum Sign { Minus = -1, Zero, Plus }
const enum Flag { Present = 1, Write = 2, User = 4, All = Present | Write | User }

function name(c: Color): string {
  switch (c) {
    case Color.Red: return "red";
    case Color.Green: return "green";
    case Color.Blue: return "blue";
    default: return "?";
  }
}

function next(c: Color): Color {
  return c == Color.Blue ? Color.Red : <Color>(c + 1);
}

export function kmain(): void {
  puti(Color.Red); puti(Color.Green); puti(Color.Blue); putc(10);
  puti(Irq.Timer); putc(32); puti(Irq.Keyboard); putc(32); puti(Irq.Cascade); putc(32); puti(Irq.Com1); putc(10);
  puti(Sign.Minus); putc(32); puti(Sign.Zero); putc(32); puti(Sign.Plus); putc(10);
  puti(Flag.All); putc(32); puti(Flag.Write | Flag.User); putc(10);
  let c = <Color>load<i32>(0x400000); // Red: the memory starts zeroed
  for (let i = 0; i < 4; i++) { puts(name(c)); putc(32); c = next(c); }
  putc(10);
  const flags: i32 = Flag.Present | Flag.User;
  puts((flags & Flag.Write) ? "w" : "-"); puts((flags & Flag.User) ? "u" : "-"); putc(10);
  exit(0);
}
