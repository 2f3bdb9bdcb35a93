// exit: 0
// Operations on string literals that allocate nothing: ==, != and < (compared by content, not
// address), indexOf, includes, startsWith, endsWith, length and charCodeAt on a string chosen at
// run time.
import { exit } from "../../kernel-ts/arch";
import { putc, puti, puts } from "../../kernel-ts/dev/serial";

const COMMANDS: StaticArray<string> = ["help", "mem", "threads", "halt"];

function lookup(name: string): i32 {
  for (let i = 0; i < COMMANDS.length; i++) if (COMMANDS[i] == name) return i;
  return -1;
}

function bit(b: bool): void { putc(b ? 49 : 48); }

export function kmain(): void {
  const k = <i32>load<u32>(0x400000); // 0 at run time
  const s = COMMANDS[k + 2]; // "threads"
  puti(lookup("mem")); putc(32); puti(lookup(s)); putc(32); puti(lookup("reboot")); putc(10);
  bit(s == "threads"); bit(s != "threads"); bit("abc" < "abd"); bit("b" < "abc"); bit(s == COMMANDS[k + 3]); putc(10);
  puti(s.indexOf("read")); putc(32); puti(s.indexOf("x")); putc(32); puti(s.length); putc(32); puti(s.charCodeAt(k)); putc(10);
  bit(s.includes("ad")); bit(s.startsWith("thr")); bit(s.endsWith("ads")); bit(s.startsWith("ads")); putc(10);
  puts(s); putc(10);
  exit(0);
}
