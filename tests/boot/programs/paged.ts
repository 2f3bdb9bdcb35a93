// Loads and stores with paging on. `work` is first called after paging_enable, so with --jit lazy
// it is compiled then, from the `_p` stencils (no limit compare: boot/vm.ts, JitFlags); with
// --jit eager it was compiled at boot with the compares, and with --jit off it is interpreted.
// All three print the same; markers 1–2 bracket a second call of `work` (compiled by then).
// FAULT selects an ending: 0 exits, 1 a load whose address + offset wraps past 4 GiB (an
// out-of-bounds trap), 2 a 4-byte load at 0xFFFFFFFE (its bytes run past 4 GiB: the MMU's, a page fault).
import { image_end, image_layout, mark, exit } from "kernel-ts/arch";
import { binit, balloc } from "kernel-ts/mm/balloc";
import { paging_init, map, paging_enable, PAGE, PTE_WRITE } from "kernel-ts/mm/paging";
import { puts, putu } from "kernel-ts/dev/serial";

const FAULT: u32 = 0;
const HIGH: usize = 0xc0000000; // mapped to 8 MiB: above the RAM size of some machines, which only the MMU knows
function ballocPage(): usize { return balloc(PAGE, PAGE); }

function work(p: usize, n: u32): u32 {
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(p + (i << 2), i * 3);          // offset 0
    store<u16>(p + (i << 1), <u16>i, 0x1000);  // offset 4096
    store<u8>(p + i, <u8>(i ^ 0x5a), 0x2000);
  }
  let s: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    s += load<u32>(p + (i << 2)) + load<u16>(p + (i << 1), 0x1000) + load<i8>(p + i, 0x2000) + <u32>load<i16>(p + (i << 1), 0x1000);
  }
  return s;
}

function peek(p: usize, off: u32): u32 { return off == 0 ? load<u32>(p) : load<u32>(p, 0x20); }

export function kmain(): void {
  const roStart = load<u32>(image_layout()), roEnd = load<u32>(image_layout(), 4);
  binit(image_end(), 1 << 20);
  paging_init(ballocPage);
  for (let a: usize = PAGE; a < 32 << 20; a += PAGE) map(a, a, a >= roStart && a < roEnd ? 0 : PTE_WRITE);
  for (let a: usize = 0; a < 4 * PAGE; a += PAGE) map(HIGH + a, (8 << 20) + a, PTE_WRITE);
  // The compiled code's writable alias (image_layout words 4–6), as kernel-ts/kernel.ts maps it.
  const jitBase = load<u32>(image_layout(), 16), jitEnd = load<u32>(image_layout(), 20), alias = load<u32>(image_layout(), 24);
  for (let a: usize = jitBase; a < jitEnd; a += PAGE) map(alias + a - jitBase, a, PTE_WRITE);
  paging_enable();
  putu(work(HIGH, 1000)); puts("\n");
  mark(1);
  const again = work(HIGH, 1000);
  mark(2);
  putu(again); puts("\n");
  if (FAULT == 1) putu(peek(0xfffffff0, 1));
  if (FAULT == 2) putu(peek(0xfffffffe, 0));
  exit(0);
}
