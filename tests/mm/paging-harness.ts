// Host test entry for kernel-ts/mm/paging.ts: page tables from balloc.
export { map, map_range, unmap, translate, page_flags, paging_directory } from "../../kernel-ts/mm/paging";
export { binit } from "../../kernel-ts/mm/balloc";
import { balloc } from "../../kernel-ts/mm/balloc";
import { paging_init, PAGE } from "../../kernel-ts/mm/paging";
function ballocPage(): usize { return balloc(PAGE, PAGE); }
/** paging_init with balloc's pages (function references cannot come from JS). */
export function paging_init_balloc(): bool { return paging_init(ballocPage); }
