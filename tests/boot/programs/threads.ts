// Kernel threads in the guest: preemption of threads that never yield, sleep, locks that keep a
// read-modify-write whole across preemption, exit and reuse.
import { image_end, irq_handler, sti, exit } from "kernel-ts/arch";
import { pic_remap, pic_unmask } from "kernel-ts/dev/pic";
import { pit_init } from "kernel-ts/dev/pit";
import { puts, putu } from "kernel-ts/dev/serial";
import { binit, balloc } from "kernel-ts/mm/balloc";
import { sched_init, sched_tick, thread_create, thread_sleep, thread_yield, thread_state, thread_switches, DEAD } from "kernel-ts/sched/thread";
import { lock, unlock, lock_contended } from "kernel-ts/sched/lock";

let stop: u32 = 0;
const spins = memory.data(16);
let shared: u32 = 0;
let spinner: u32 = 0;

function stacks(bytes: usize): usize { return balloc(bytes + 4096, 4096); }
function onIrq(irqs: u32): void { if ((irqs & 1) != 0) sched_tick(); }

function spin(): void {
  const me = spinner++;
  while (stop == 0) store<u32>(spins + me * 4, load<u32>(spins + me * 4) + 1);
}
function adder(): void {
  for (let i = 0; i < 3000; i++) {
    lock(1);
    const v = shared;
    for (let k = 0; k < 20; k++) {} // long enough to be preempted inside
    if (i == 0) thread_yield(); // and once for sure: the other adder then finds the lock held
    shared = v + 1;
    unlock(1);
  }
}

export function kmain(): void {
  binit(image_end(), 4 << 20);
  pic_remap(); pit_init(100); irq_handler(onIrq); pic_unmask(0);
  if (!sched_init(stacks, 100)) { puts("sched_init failed\n"); exit(1); }
  sti();
  const a = thread_create(spin, "spin"), b = thread_create(spin, "spin"), c = thread_create(spin, "spin");
  thread_sleep(300);
  stop = 1;
  thread_sleep(50);
  let ran: u32 = 0;
  for (let i = 0; i < 3; i++) if (load<u32>(spins + i * 4) > 0) ran++;
  puts("spinners that ran: "); putu(ran);
  puts("; switched to more than once: "); putu((thread_switches(a) > 1 ? 1 : 0) + (thread_switches(b) > 1 ? 1 : 0) + (thread_switches(c) > 1 ? 1 : 0));
  puts("; exited: "); putu((thread_state(a) == DEAD ? 1 : 0) + (thread_state(b) == DEAD ? 1 : 0) + (thread_state(c) == DEAD ? 1 : 0));
  puts("\n");
  const d = thread_create(adder, "adder"), e = thread_create(adder, "adder");
  puts("reused records: "); puts(d == a || d == b || d == c ? "yes" : "no"); puts("\n");
  while (thread_state(d) != DEAD || thread_state(e) != DEAD) thread_sleep(10);
  puts("shared = "); putu(shared); puts(lock_contended() > 0 ? " (contended)" : " (never contended)"); puts("\n");
  exit(0);
}
