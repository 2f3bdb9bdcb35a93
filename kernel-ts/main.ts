// The kernel's entry point: memory (kernel.ts: every stage logged with its figures), the
// self-test, then — in the guest — interrupts (PIC, PIT at 100 Hz, COM1 input), threads with the
// TLSF heap's lock, and the serial shell in the boot thread. On the host runners there are no
// interrupts or threads: the kernel exits after its self-test (0 when it passed).

import { exit, irq_handler, sti } from "./arch";
import { puts } from "./dev/serial";
import { pic_remap, pic_unmask } from "./dev/pic";
import { pit_init } from "./dev/pit";
import { console_init, console_irq, COM1_IRQ } from "./dev/console";
import { mm_boot, selftest, kernel_has_mmu, heap_start, heap_limit } from "./kernel";
import { heapmap_publish } from "./mm/heapmap";
import { frame_alloc } from "./mm/frames";
import { map, paging_directory, PAGE, PTE_WRITE } from "./mm/paging";
import { tlsf_init_lk } from "./mm/tlsf";
import { sched_init, sched_tick } from "./sched/thread";
import { lock, unlock } from "./sched/lock";
import { shell_run } from "./shell/shell";

const HZ: u32 = 100;
const STACKS_VA: usize = 0xb0000000; // thread stacks, each followed by an unmapped guard page
const STACKS_END: usize = 0xc0000000;
let stacksNext: usize = STACKS_VA;

/** The interrupt handler: console input first, then the clock (which may switch threads). */
function onIrq(irqs: u32): void {
  if ((irqs & (1 << COM1_IRQ)) != 0) console_irq();
  if ((irqs & 1) != 0) sched_tick();
}

/** Thread stacks: fresh frames mapped at the next free place, then a guard page left unmapped. */
function threadStack(bytes: usize): usize {
  const base = stacksNext;
  if (bytes > STACKS_END - base - PAGE) return 0;
  for (let off: usize = 0; off < bytes; off += PAGE) {
    const f = frame_alloc();
    if (f == 0 || !map(base + off, f, PTE_WRITE)) return 0;
  }
  stacksNext = base + bytes + PAGE;
  return base;
}

export function kmain(): void {
  puts("kernel-ts: booting\n");
  mm_boot();
  const failed = selftest();
  if (!kernel_has_mmu()) exit(failed == 0 ? 0 : 1);
  heapmap_publish(paging_directory(), heap_start(), heap_limit());
  pic_remap();
  pit_init(HZ);
  irq_handler(onIrq);
  if (!sched_init(threadStack, HZ)) { puts("threads: no memory for the idle thread\n"); exit(1); }
  tlsf_init_lk(lock, unlock);
  pic_unmask(0);
  console_init();
  sti();
  puts("interrupts: PIT at 100 Hz, COM1 input; threads: on\n");
  shell_run();
}
