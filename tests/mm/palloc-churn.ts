// The churn trace (kernel-ts/bench/churn.ts) over palloc, run inside wasm (one call per seed), for
// palloc.test.ts to report host ns/op and fragmentation; nothing here is asserted.
import { pinit, palloc_ali, pfree } from "../../kernel-ts/mm/palloc";
import { churnRun } from "../../kernel-ts/bench/churn";
export { churn_failed, churn_peak_live, churn_peak_span } from "../../kernel-ts/bench/churn";

/** The trace from `seed` over a fresh palloc pool [base, base + bytes); returns the failed allocations. */
export function churn(seed: u32, steps: i32, base: usize, bytes: usize): u32 {
  if (!pinit(base, bytes)) abort("churn: pinit failed");
  return churnRun(seed, steps, palloc_ali, pfree, false, base);
}
