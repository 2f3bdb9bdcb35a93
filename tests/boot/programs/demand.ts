// Demand paging in the guest: a page-fault handler maps a fresh page for any address in
// [0xE0000000, 0xE0100000) and refuses the rest.
import { image_end, image_layout, fault_handler, exit } from "kernel-ts/arch";
import { binit, balloc } from "kernel-ts/mm/balloc";
import { paging_init, map, paging_enable, PAGE, PTE_WRITE } from "kernel-ts/mm/paging";
import { puts, putu } from "kernel-ts/dev/serial";

const LAZY: usize = 0xe0000000, LAZY_END: usize = 0xe0100000;
let faults: u32 = 0;
function ballocPage(): usize { return balloc(PAGE, PAGE); }

function onFault(cr2: u32, err: u32): bool {
  if (cr2 < LAZY || cr2 >= LAZY_END) return false;
  faults++;
  const page = ballocPage();
  return page != 0 && map(cr2 & ~(PAGE - 1), page, PTE_WRITE);
}

export function kmain(): void {
  const roStart = load<u32>(image_layout()), roEnd = load<u32>(image_layout(), 4);
  binit(image_end(), 1 << 20);
  paging_init(ballocPage);
  for (let a: usize = PAGE; a < 32 << 20; a += PAGE) map(a, a, a >= roStart && a < roEnd ? 0 : PTE_WRITE);
  paging_enable();
  fault_handler(onFault);
  let sum: u32 = 0;
  for (let a = LAZY; a < LAZY + 5 * PAGE; a += 1024) { store<u32>(a, a); sum += load<u32>(a) >> 10; }
  puts("faults "); putu(faults); puts(", sum "); putu(sum); puts("\n");
  memory.fill(LAZY + 5 * PAGE + 100, 7, 3 * PAGE);               // rep stosb across unmapped pages
  memory.copy(LAZY + 9 * PAGE + 50, LAZY + 5 * PAGE + 100, 3 * PAGE); // rep movsb too
  let sevens: u32 = 0;
  for (let a = LAZY + 9 * PAGE; a < LAZY + 13 * PAGE; a++) if (load<u8>(a) == 7) sevens++;
  puts("faults "); putu(faults); puts(", sevens "); putu(sevens); puts("\n");
  memory.copy(0xf0000000, LAZY, 16); // refused: a panic naming this line
  exit(0);
}
