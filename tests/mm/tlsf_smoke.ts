// A smoke program for tlsf under both executions: `kt run tests/mm/tlsf_smoke.ts` (V8) and
// `kt run --kbc tests/mm/tlsf_smoke.ts` (the kernel VM) print the same lines (tlsf.test.ts).
import { exit } from "../../kernel-ts/arch";
import { puts, putu, puthex } from "../../kernel-ts/dev/serial";
import {
  tlsf_init, tlsf_add_pool, tlsf_alloc, tlsf_alloc_ali, tlsf_free, tlsf_realloc, tlsf_block_size,
  tlsf_check, tlsf_walk, tlsf_init_lk, tlsf_alloc_lk, tlsf_free_lk, tlsf_set_grow, tlsf_clear_grow,
  tlsf_stats_used, tlsf_stats_free, tlsf_stats_blocks, tlsf_stats_free_blocks, tlsf_stats_pools,
  tlsf_stats_largest_free,
} from "../../kernel-ts/mm/tlsf";

const POOL: usize = 0x500000;
const SIZE: usize = 0x10000;

function hex(name: string, v: u32): void { puts(name); puts(" = "); puthex(v); puts("\n"); }
function dec(name: string, v: u32): void { puts(name); puts(" = "); putu(v); puts("\n"); }

let locked: u32 = 0;
function lock(lk: i32): void { locked += 1 + <u32>lk; }
function unlock(lk: i32): void { locked += 100 + <u32>lk; }

let walked: u32 = 0, walkedUsed: u32 = 0;
function count(ptr: usize, size: usize, used: bool): void { walked++; if (used) walkedUsed++; }

let grown: usize = POOL + SIZE;
function grow(minBytes: usize): bool {
  const ok = tlsf_add_pool(grown, minBytes);
  if (ok) grown += minBytes;
  return ok;
}

export function kmain(): void {
  if (!tlsf_init(POOL, SIZE)) { puts("tlsf_init failed\n"); exit(1); }
  const total = tlsf_stats_free();
  dec("pool bytes", total);
  const a = tlsf_alloc(24);
  const b = tlsf_alloc(100);
  const c = tlsf_alloc_ali(64, 4096);
  hex("tlsf_alloc(24)", a);
  hex("tlsf_alloc(100)", b);
  hex("tlsf_alloc_ali(64, 4096)", c);
  dec("tlsf_block_size(b)", tlsf_block_size(b));
  dec("blocks", tlsf_stats_blocks());
  dec("used", tlsf_stats_used());
  dec("free blocks", tlsf_stats_free_blocks());
  hex("tlsf_alloc(0xfffffff0)", tlsf_alloc(0xfffffff0));
  store<u32>(a, 0x12345678);
  const a2 = tlsf_realloc(a, 3000);
  hex("tlsf_realloc(a, 3000)", a2);
  hex("its first word", load<u32>(a2));
  const c2 = tlsf_realloc(c, 8000);
  dec("realloc keeps 4096 alignment", <u32>((c2 & 4095) == 0 && c2 != 0));
  puts("tlsf_free(b) "); putu(<u32>tlsf_free(b));
  puts(", again "); putu(<u32>tlsf_free(b));
  puts(", interior "); putu(<u32>tlsf_free(a2 + 8));
  puts(", misaligned "); putu(<u32>tlsf_free(a2 + 4));
  puts(", foreign "); putu(<u32>tlsf_free(0x100000));
  puts(", null "); putu(<u32>tlsf_free(0)); puts("\n");
  tlsf_walk(count);
  dec("walk: blocks", walked);
  dec("walk: used", walkedUsed);
  tlsf_free(a2);
  tlsf_free(c2);
  dec("tlsf_check", tlsf_check());
  dec("all free again", <u32>(tlsf_stats_free() == total && tlsf_stats_free_blocks() == 1));
  const whole = tlsf_alloc(tlsf_stats_largest_free());
  hex("tlsf_alloc(whole pool)", whole);
  hex("tlsf_alloc(8) when full", tlsf_alloc(8));
  tlsf_free(whole);
  tlsf_init_lk(lock, unlock);
  const l = tlsf_alloc_lk(40);
  tlsf_free_lk(l);
  dec("lock calls (1 + 100 each, lk 0)", locked);
  tlsf_set_grow(grow);
  const big = tlsf_alloc(0x18000);
  hex("tlsf_alloc(96 KiB) with growth", big);
  dec("pools after growth", tlsf_stats_pools());
  tlsf_clear_grow();
  tlsf_free(big);
  dec("tlsf_check", tlsf_check());
  puts("tlsf_smoke: ok\n");
  exit(0);
}
