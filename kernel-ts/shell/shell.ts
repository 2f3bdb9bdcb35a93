// The serial shell: a prompt ending in "> ", one command per line (see `help`). Bad input gets a
// usage or error line and the shell carries on; only `fault` (on purpose), `reboot` and `halt`
// end it. Units: bytes, addresses in hex.

import { puts, putu, puthex } from "../dev/serial";
import { irq_count, image_layout, exit, outb, hlt, cli } from "../arch";
import { line_read } from "./line";
import { args_split, args_count, args_too_many, arg_is, arg_put, arg_num, arg_num_ok } from "./args";
import { stress, STRESS_MAX_THREADS } from "./stress";
import { show_memory_map, selftest, heap_start, heap_end, heap_limit, heap_demand_pages, pool_base } from "../kernel";
import { frames_free, frames_total } from "../mm/frames";
import { bstats_used, bstats_high_water, bstats_failed } from "../mm/balloc";
import { palloc_ali, pfree, pstats_used, pstats_free, pstats_blocks, pstats_free_blocks, pstats_largest_free, pstats_failed } from "../mm/palloc";
import {
  tlsf_alloc_lk, tlsf_alloc_ali_lk, tlsf_free_lk, tlsf_stats_used, tlsf_stats_free, tlsf_stats_peak, tlsf_stats_blocks,
  tlsf_stats_free_blocks, tlsf_stats_pools, tlsf_stats_failed, tlsf_stats_largest_free,
} from "../mm/tlsf";
import { paging_directory, PAGE } from "../mm/paging";
import { MAX_THREADS, thread_state, thread_name, thread_switches, READY, RUNNING, SLEEPING, BLOCKED, DEAD } from "../sched/thread";
import { lock_contended } from "../sched/lock";
import { churnRun, churn_failed, churn_peak_live, churn_peak_span } from "../bench/churn";

export const PROMPT = "kt> ";
const HZ: u32 = 100;
let zero: u32 = 0;          // `fault div` divides by it (a global, so nothing folds it away)
let nowhere: usize = 0;     // `fault null` reads through it

/** Reads and runs commands for ever. */
export function shell_run(): void {
  puts("kernel-ts shell: type help\n");
  for (;;) {
    if (!line_read(PROMPT)) continue;
    if (args_split() == 0) continue;
    if (args_too_many()) { puts("error: too many words (at most 8)\n"); continue; }
    run();
  }
}

function usage(text: string): void { puts("usage: "); puts(text); puts("\n"); }

/** Word k as a number, or an error line naming it (returns false). */
function number(k: i32, cmd: string, what: string): bool {
  arg_num(k);
  if (arg_num_ok()) return true;
  puts(cmd); puts(": "); puts(what); puts(" '"); arg_put(k); puts("' is not a number (decimal, or hex with 0x)\n");
  return false;
}

function run(): void {
  const n = args_count();
  if (arg_is(0, "help")) help();
  else if (arg_is(0, "mem")) { if (n != 1) usage("mem"); else mem(); }
  else if (arg_is(0, "heap")) { if (n != 1) usage("heap"); else heap(); }
  else if (arg_is(0, "alloc")) alloc(n);
  else if (arg_is(0, "free")) free(n);
  else if (arg_is(0, "pt")) pt(n);
  else if (arg_is(0, "selftest")) { if (n != 1) usage("selftest"); else selftest(); }
  else if (arg_is(0, "stress")) stressCmd(n);
  else if (arg_is(0, "bench")) { if (n != 1) usage("bench"); else bench(); }
  else if (arg_is(0, "fault")) fault(n);
  else if (arg_is(0, "uptime")) { if (n != 1) usage("uptime"); else uptime(); }
  else if (arg_is(0, "threads")) { if (n != 1) usage("threads"); else threads(); }
  else if (arg_is(0, "reboot")) { if (n != 1) usage("reboot"); else reboot(); }
  else if (arg_is(0, "halt")) { if (n != 1) usage("halt"); else { puts("halted\n"); exit(0); } }
  else { puts("unknown command '"); arg_put(0); puts("' (try help)\n"); }
}

function help(): void {
  puts("commands:\n");
  puts("  help                          this list\n");
  puts("  mem                           the memory map and free frames\n");
  puts("  heap                          balloc, palloc and tlsf figures\n");
  puts("  alloc tlsf|palloc SIZE [ALIGN] allocate (ALIGN: a power of two)\n");
  puts("  free ADDR                     free a block of either heap\n");
  puts("  pt VADDR                      walk the page tables for an address\n");
  puts("  selftest                      test every allocator\n");
  puts("  stress [THREADS] [OPS]        threads hammering tlsf's _lk calls (default 4 100000)\n");
  puts("  bench                         the churn trace on the tlsf heap\n");
  puts("  fault null|ro|div|jit         provoke a fault (the kernel panics)\n");
  puts("  uptime                        time since boot\n");
  puts("  threads                       the kernel's threads\n");
  puts("  reboot                        reset the machine\n");
  puts("  halt                          stop the machine\n");
  puts("numbers: decimal, or hex with 0x. keys: backspace, Ctrl-C, Ctrl-U, Up/Down for history\n");
}

function mem(): void {
  show_memory_map();
  puts("frames: "); putu(frames_free()); puts(" free of "); putu(frames_total()); puts(" (4 KiB)\n");
}

function heap(): void {
  puts("balloc: "); putu(<u32>bstats_used()); puts(" bytes used, high water "); putu(<u32>bstats_high_water());
  puts(", "); putu(bstats_failed()); puts(" failed (sealed after boot)\n");
  puts("palloc: pool "); puthex(pool_base()); puts(", "); putu(<u32>pstats_used()); puts(" used, "); putu(<u32>pstats_free());
  puts(" free, "); putu(pstats_blocks()); puts(" blocks, "); putu(pstats_free_blocks()); puts(" free blocks, largest ");
  putu(<u32>pstats_largest_free()); puts(", "); putu(pstats_failed()); puts(" failed\n");
  puts("tlsf: heap "); puthex(heap_start()); puts(".."); puthex(heap_end()); puts(" (limit "); puthex(heap_limit());
  puts("), "); putu(<u32>tlsf_stats_used()); puts(" used, "); putu(<u32>tlsf_stats_free()); puts(" free, peak ");
  putu(<u32>tlsf_stats_peak()); puts(", "); putu(tlsf_stats_blocks()); puts(" blocks, "); putu(tlsf_stats_free_blocks());
  puts(" free blocks, largest "); putu(<u32>tlsf_stats_largest_free()); puts(", "); putu(tlsf_stats_pools());
  puts(" pools, "); putu(tlsf_stats_failed()); puts(" failed, "); putu(heap_demand_pages()); puts(" pages mapped on demand\n");
}

function alloc(n: i32): void {
  const tlsf = arg_is(1, "tlsf");
  if ((n != 3 && n != 4) || (!tlsf && !arg_is(1, "palloc"))) { usage("alloc tlsf|palloc SIZE [ALIGN]"); return; }
  if (!number(2, "alloc", "SIZE")) return;
  const size = arg_num(2);
  let align: u32 = 8;
  if (n == 4) {
    if (!number(3, "alloc", "ALIGN")) return;
    align = arg_num(3);
    if (align == 0 || (align & (align - 1)) != 0) { puts("alloc: ALIGN must be a power of two\n"); return; }
  }
  if (size == 0) { puts("alloc: SIZE must be at least 1\n"); return; }
  const p = tlsf ? (align <= 8 ? tlsf_alloc_lk(size) : tlsf_alloc_ali_lk(size, align)) : palloc_ali(size, align < 8 ? 8 : align);
  if (p == 0) { puts("alloc: out of memory ("); puts(tlsf ? "tlsf" : "palloc"); puts(")\n"); return; }
  puts(tlsf ? "tlsf: " : "palloc: "); puthex(p); puts(" ("); putu(size); puts(" bytes)\n");
}

function free(n: i32): void {
  if (n != 2) { usage("free ADDR"); return; }
  if (!number(1, "free", "ADDR")) return;
  const p = arg_num(1);
  if (tlsf_free_lk(p)) { puts("freed "); puthex(p); puts(" (tlsf)\n"); return; }
  if (pfree(p)) { puts("freed "); puthex(p); puts(" (palloc)\n"); return; }
  puts("free: "); puthex(p); puts(" is not a live block of tlsf or palloc\n");
}

function flags(e: u32): void {
  puts(" ["); puts((e & 1) != 0 ? "present" : "not present");
  if ((e & 1) != 0) { puts((e & 2) != 0 ? ", write" : ", read-only"); if ((e & 4) != 0) puts(", user"); }
  puts("]");
}

function pt(n: i32): void {
  if (n != 2) { usage("pt VADDR"); return; }
  if (!number(1, "pt", "VADDR")) return;
  const va = arg_num(1), dir = paging_directory();
  if (dir == 0) { puts("pt: paging is off\n"); return; }
  const pdi = va >>> 22, pti = (va >>> 12) & 1023;
  const pde = load<u32>(dir + (pdi << 2));
  puts("pt "); puthex(va); puts(": directory "); puthex(dir); puts(", PDE["); putu(pdi); puts("] = "); puthex(pde); flags(pde); puts("\n");
  if ((pde & 1) == 0) return;
  const pte = load<u32>((pde & ~(PAGE - 1)) + (pti << 2));
  puts("  PTE["); putu(pti); puts("] = "); puthex(pte); flags(pte);
  if ((pte & 1) != 0) { puts(" -> "); puthex((pte & ~(PAGE - 1)) | (va & (PAGE - 1))); }
  puts("\n");
}

function stressCmd(n: i32): void {
  if (n > 3) { usage("stress [THREADS] [OPS]"); return; }
  let threads: u32 = 4, ops: u32 = 100000;
  if (n >= 2) { if (!number(1, "stress", "THREADS")) return; threads = arg_num(1); }
  if (n >= 3) { if (!number(2, "stress", "OPS")) return; ops = arg_num(2); }
  if (threads < 1 || threads > STRESS_MAX_THREADS) { puts("stress: THREADS must be 1 to "); putu(STRESS_MAX_THREADS); puts("\n"); return; }
  if (ops < 1 || ops > 10000000) { puts("stress: OPS must be 1 to 10000000\n"); return; }
  stress(threads, ops);
}

function benchAlloc(size: usize, align: usize): usize { return align <= 8 ? tlsf_alloc_lk(size) : tlsf_alloc_ali_lk(size, align); }

function bench(): void {
  const steps: i32 = 200000;
  const t0 = irq_count(0);
  const failed = churnRun(12345, steps, benchAlloc, tlsf_free_lk, false, 0);
  const ticks = irq_count(0) - t0;
  puts("bench: churn trace, seed 12345, "); putu(<u32>steps); puts(" steps on the tlsf heap: ");
  putu(ticks * (1000 / HZ)); puts(" ms ("); putu(ticks * (1000000 / HZ) / (<u32>steps / 1000)); puts(" ns per step), ");
  putu(failed); puts(" failed, peak live "); putu(<u32>churn_peak_live()); puts(" bytes, span "); putu(<u32>churn_peak_span()); puts("\n");
}

function fault(n: i32): void {
  if (n != 2) { usage("fault null|ro|div|jit"); return; }
  if (arg_is(1, "null")) { puts("fault: reading address 0\n"); puthex(load<u32>(nowhere)); }
  else if (arg_is(1, "ro")) { puts("fault: writing the kernel's code\n"); store<u32>(load<u32>(image_layout()), 0); }
  else if (arg_is(1, "div")) { puts("fault: dividing by zero\n"); putu(100 / zero); }
  else if (arg_is(1, "jit")) {
    // The VM's compiled code runs read-only (it is written through another mapping).
    const code = load<u32>(image_layout(), 28);
    if (code == 0) { puts("fault: no compiled code (an image built with --jit off)\n"); return; }
    puts("fault: writing compiled code\n"); store<u32>(code, 0);
  }
  else usage("fault null|ro|div|jit");
}

function uptime(): void {
  const t = irq_count(0);
  puts("uptime: "); putu(t / HZ); puts("."); putu((t % HZ) / 10); putu(t % 10); puts(" s ("); putu(t); puts(" ticks)\n");
}

function threads(): void {
  puts("  id  state     switches  name\n");
  for (let t = 0; t < MAX_THREADS; t++) {
    const s = thread_state(t);
    if (s == 0) continue;
    puts("  "); if (t < 10) puts(" "); putu(<u32>t); puts("  ");
    puts(s == READY ? "ready    " : s == RUNNING ? "running  " : s == SLEEPING ? "sleeping " : s == BLOCKED ? "blocked  " : s == DEAD ? "exited   " : "?        ");
    const sw = thread_switches(t);
    puts(" "); putu(sw); for (let d: u32 = sw < 10 ? 1 : sw < 100 ? 2 : sw < 1000 ? 3 : sw < 10000 ? 4 : 5; d < 9; d++) puts(" ");
    puts(thread_name(t)); puts("\n");
  }
  puts("locks: contended "); putu(lock_contended()); puts(" times\n");
}

function reboot(): void {
  puts("rebooting\n");
  cli();
  outb(0x64, 0xfe); // the keyboard controller pulses the CPU's reset line
  for (;;) hlt();
}
