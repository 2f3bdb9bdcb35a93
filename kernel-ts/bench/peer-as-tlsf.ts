// A peer for `kt bench alloc`, not a kernel program: the churn trace (./churn.ts) over
// AssemblyScript's own TLSF runtime (heap.alloc / heap.free), compiled with `--runtime minimal` into
// a module that owns its memory and grows it. heap.alloc takes no alignment, so aligned requests
// are served 16-byte aligned (as ../shared/bench/churn.md says of this peer). The allocator is
// called through the same function references as ours, so both pay the same indirect calls.

import { churnRun } from "./churn";
export { churn_shape, churn_failed, churn_peak_live, churn_peak_span } from "./churn";

function asAlloc(size: usize, align: usize): usize { return heap.alloc(size); }
function asFree(ptr: usize): bool { heap.free(ptr); return true; }

/** The trace from `seed`; the heap is what the previous runs left (all freed). */
export function churn(seed: u32, steps: i32): u32 {
  return churnRun(seed, steps, asAlloc, asFree, false, 0);
}
