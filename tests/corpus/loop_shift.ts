// exit: 0
// In-place shifts by a constant of a slot a loop keeps in esi, the second of its loop registers
// (boot/loopregs.ts): `shr esi, 1` (found by a reviewer: the stencil failed to build).
import { exit } from "../../kernel-ts/arch";
import { putu, puts } from "../../kernel-ts/dev/serial";

export function kmain(): void {
  let x: u32 = load<u32>(0x300000) | 0x80000000; // memory starts zeroed: 2^31
  let i: u32 = 0;
  do { x >>>= 1; i++; } while (i < 20);          // 2^31 >> 20 = 2^11
  let y: i32 = <i32>x | <i32>0x80000000;
  let k: u32 = 0;
  do { y >>= 2; y <<= 1; k++; } while (k < 10);  // arithmetic: -2^31 + 2^11 halved ten times
  putu(x); puts(" "); putu(<u32>y); puts("\n");
  exit(0);
}
