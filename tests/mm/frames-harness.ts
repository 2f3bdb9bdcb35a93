// Host test entry for kernel-ts/mm/frames.ts (with balloc for its bitmap).
export { frames_init, frame_alloc, frame_free, frames_free, frames_total, frames_check } from "../../kernel-ts/mm/frames";
export { binit } from "../../kernel-ts/mm/balloc";
import { balloc as ballocRef } from "../../kernel-ts/mm/balloc";
/** balloc is a function reference: wrapped for the host tests. */
export function balloc(size: usize, align: usize): usize { return ballocRef(size, align); }
