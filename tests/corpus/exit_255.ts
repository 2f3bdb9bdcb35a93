// exit: 255
// exit(255), the largest exit code, from the start function (a top-level initialiser) before
// kmain would run.
import { exit } from "../../kernel-ts/arch";
import { puts } from "../../kernel-ts/dev/serial";

function init(): i32 {
  puts("init\n");
  exit(<u32>(load<i32>(0x500000) + 255)); // memory starts zeroed
  return 1;
}

const ready = init();

export function kmain(): void {
  puts("kmain not reached\n");
  if (ready == 0) puts("?");
}
