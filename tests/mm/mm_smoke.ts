// A smoke program for balloc and palloc under both executions: `kt run tests/mm/mm_smoke.ts` (V8)
// and `kt run --kbc tests/mm/mm_smoke.ts` (the kernel VM) print the same lines (mm_smoke.test.ts).
import { exit } from "../../kernel-ts/arch";
import { puts, putu, puthex } from "../../kernel-ts/dev/serial";
import { binit, balloc, breset, bseal, bstats_used, bstats_high_water, bstats_failed } from "../../kernel-ts/mm/balloc";
import {
  pinit, palloc, palloc_ali, pfree, pcheck,
  pstats_used, pstats_free, pstats_largest_free, pstats_blocks, pstats_free_blocks,
} from "../../kernel-ts/mm/palloc";

const ARENA: usize = 0x400000;
const POOL: usize = 0x500000;

function hex(name: string, v: u32): void {
  puts(name); puts(" = "); puthex(v); puts("\n");
}

function dec(name: string, v: u32): void {
  puts(name); puts(" = "); putu(v); puts("\n");
}

function ballocSmoke(): void {
  binit(ARENA, 0x2000);
  hex("balloc(3, 1)", balloc(3, 1));
  hex("balloc(16, 16)", balloc(16, 16));
  hex("balloc(8, 4096)", balloc(8, 4096));
  hex("balloc(0xffffffff, 8)", balloc(0xffffffff, 8));
  hex("balloc(0x1000, 8)", balloc(0x1000, 8));
  dec("bstats_used", bstats_used());
  dec("bstats_failed", bstats_failed());
  breset();
  hex("after breset: balloc(4, 4)", balloc(4, 4));
  dec("bstats_high_water", bstats_high_water());
  bseal();
}

function pallocSmoke(): void {
  if (!pinit(POOL, 0x10000)) { puts("pinit failed\n"); exit(1); }
  const total = pstats_free();
  dec("pool bytes", total);
  const a = palloc(24);
  const b = palloc(100);
  const c = palloc_ali(64, 4096);
  hex("palloc(24)", a);
  hex("palloc(100)", b);
  hex("palloc_ali(64, 4096)", c);
  dec("pstats_blocks", pstats_blocks());
  dec("pstats_used", pstats_used());
  dec("pstats_free_blocks", pstats_free_blocks());
  puts("pfree(b) "); putu(<u32>pfree(b));
  puts(", again "); putu(<u32>pfree(b));
  puts(", interior "); putu(<u32>pfree(a + 8));
  puts(", misaligned "); putu(<u32>pfree(a + 4));
  puts(", foreign "); putu(<u32>pfree(ARENA)); puts("\n");
  pfree(a);
  pfree(c);
  dec("pcheck", pcheck());
  dec("all free again", <u32>(pstats_free() == total && pstats_free_blocks() == 1));
  const whole = palloc(pstats_largest_free());
  hex("palloc(whole pool)", whole);
  hex("palloc(8) when full", palloc(8));
  pfree(whole);
  dec("pcheck", pcheck());
}

export function kmain(): void {
  ballocSmoke();
  pallocSmoke();
  puts("mm_smoke: ok\n");
  exit(0);
}
