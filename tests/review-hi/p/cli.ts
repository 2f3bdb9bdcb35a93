import { exit } from "kernel-ts/arch";
let n: u32 = 0;
export function kmain(): void {
  while (n != 0xffffffff) { n = (n + 1) & 0xffff; }
  exit(0);
}
