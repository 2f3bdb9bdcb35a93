// AS entry for the host tests of kernel-ts/mm/balloc.ts (tests/mm/balloc.test.ts): re-exports the
// API as wasm exports. balloc itself is a function reference, so it is wrapped.
import { balloc as ballocRef } from "../../kernel-ts/mm/balloc";

export { binit, breset, bseal, bstats_used, bstats_free, bstats_high_water, bstats_failed } from "../../kernel-ts/mm/balloc";

export function balloc(size: usize, align: usize): usize {
  return ballocRef(size, align);
}
