// The kernel's entry point. Issue A: a banner over COM1 and a clean exit; the boot sequence of
// issue C (balloc → frames → paging → palloc → TLSF) grows here.

import { exit } from "./arch";
import { puts } from "./dev/serial";

export function kmain(): void {
  puts("kernel-ts: hello from the kernel VM\n");
  exit(0);
}
