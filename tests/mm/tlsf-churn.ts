// The churn trace (kernel-ts/bench/churn.ts) over tlsf, run inside wasm (one call per seed), for
// tlsf.test.ts to report host ns/op and fragmentation; nothing here is asserted.
import { tlsf_init, tlsf_alloc, tlsf_alloc_ali, tlsf_free } from "../../kernel-ts/mm/tlsf";
import { churnRun } from "../../kernel-ts/bench/churn";
export { churn_failed, churn_peak_live, churn_peak_span } from "../../kernel-ts/bench/churn";

function tlsfAlloc(size: usize, align: usize): usize { return align == 8 ? tlsf_alloc(size) : tlsf_alloc_ali(size, align); }

/** The trace from `seed` over a fresh tlsf heap [base, base + bytes); `loopOnly`: the loop's own cost. */
export function churn(seed: u32, steps: i32, base: usize, bytes: usize, loopOnly: bool): u32 {
  if (!tlsf_init(base, bytes)) abort("churn: tlsf_init failed");
  return churnRun(seed, steps, tlsfAlloc, tlsf_free, loopOnly, base);
}
