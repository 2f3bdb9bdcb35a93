// Kernel locks: sleep-free mutexes for threads (a contended lock yields until it is free). The
// test-and-set runs with interrupt delivery blocked, so no preemption can split it. Lock numbers
// 0..MAX_LOCKS-1; tlsf's `_lk` calls pass TLSF_LK_HEAP (0). Units: lock numbers, thread ids.

import { irq_block } from "../arch";
import { thread_self, thread_yield } from "./thread";

export const MAX_LOCKS: i32 = 8;
const owners = memory.data(MAX_LOCKS * 4); // holder's thread id + 1, 0 when free
let contended: u32 = 0;

/** Takes lock `lk`, waiting (yielding) while another thread holds it. Panics on a bad number or when this thread holds it already. */
export function lock(lk: i32): void {
  if (lk < 0 || lk >= MAX_LOCKS) abort("lock: no such lock");
  const me = <u32>thread_self() + 1;
  for (;;) {
    const was = irq_block(1);
    const holder = load<u32>(owners + (<usize>lk << 2));
    if (holder == 0) { store<u32>(owners + (<usize>lk << 2), me); irq_block(was); return; }
    irq_block(was);
    if (holder == me) abort("lock: already held by this thread");
    contended++;
    thread_yield();
  }
}

/** Releases lock `lk`. Panics unless this thread holds it. */
export function unlock(lk: i32): void {
  if (lk < 0 || lk >= MAX_LOCKS || load<u32>(owners + (<usize>lk << 2)) != <u32>thread_self() + 1) abort("unlock: not held by this thread");
  store<u32>(owners + (<usize>lk << 2), 0);
}

/** How many times a lock was found held by another thread. */
export function lock_contended(): u32 { return contended; }
