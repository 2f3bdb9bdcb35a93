// AS entry for the host tests of kernel-ts/mm/palloc.ts (tests/mm/palloc.test.ts): re-exports the
// API as wasm exports, plus the churn trace of ../shared/bench/churn.md run entirely inside wasm.
export {
  pinit, palloc, palloc_ali, pfree, pcheck,
  pstats_used, pstats_free, pstats_largest_free, pstats_blocks, pstats_free_blocks, pstats_failed,
} from "../../kernel-ts/mm/palloc";
export { churn_palloc as churn, churn_failed, churn_peak_live, churn_peak_span } from "../../kernel-ts/bench/alloc";
