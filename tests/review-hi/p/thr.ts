import { image_end, irq_handler, sti, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";
import { puts, putu } from "kernel-ts/dev/serial";
import { binit, balloc } from "kernel-ts/mm/balloc";
import { sched_init, sched_tick, thread_create, thread_sleep, thread_state, DEAD } from "kernel-ts/sched/thread";

let total: u32 = 0;
let who: u32 = 0;
function stacks(bytes: usize): usize { return balloc(bytes + 4096, 4096); }
function onIrq(irqs: u32): void { if ((irqs & 1) != 0) sched_tick(); }

function work(me: u32, k: u32): u32 {
  let acc: u32 = me;
  for (let j: u32 = 0; j < 2000; j++) acc += j ^ k;
  return acc;
}

function worker(): void {
  const me = who++;
  for (let k: u32 = 0; k < 60; k++) {
    const v = work(me, k);
    total += v & 1;
  }
}

export function kmain(): void {
  binit(image_end(), 4 << 20);
  pic_remap(); pit_init(100); irq_handler(onIrq); pic_unmask(0);
  if (!sched_init(stacks, 100)) { puts("sched_init failed\n"); exit(1); }
  sti();
  const a = thread_create(worker, "wa"), b = thread_create(worker, "wb");
  while (thread_state(a) != DEAD || thread_state(b) != DEAD) thread_sleep(10);
  puts("total "); putu(total); puts("\n");
  exit(0);
}
