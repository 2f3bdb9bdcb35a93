// exit: 0
// kernel.boot_info and kernel.image_end: a Multiboot information block with a memory map (the host
// runners fabricate one; v86 and QEMU provide theirs), and where free memory starts. Prints only
// facts that hold everywhere: map present, the image inside available RAM above 1 MiB, image_end
// page-aligned and past the static data, at least 60 MiB available above 1 MiB.
import { boot_info, image_end, exit } from "../../kernel-ts/arch";
import { puts } from "../../kernel-ts/dev/serial";

function yes(ok: bool): void { puts(ok ? "yes\n" : "no\n"); }

export function kmain(): void {
  const info = boot_info();
  const end = image_end();
  puts("memory map present: "); yes((load<u32>(info) & 0x40) != 0);
  let inside = false;
  let above1M: u32 = 0;
  const mapEnd = load<u32>(info, 48) + load<u32>(info, 44);
  for (let e = load<u32>(info, 48); e < mapEnd; e += load<u32>(e) + 4) {
    const base = load<u32>(e, 4), len = load<u32>(e, 12);
    if (load<u32>(e, 20) != 1 || load<u32>(e, 8) != 0) continue;
    if (base <= 0x100000 && end - base <= len) inside = true;
    const top = base + len; // the part of the region above 1 MiB (v86 reports one region from 0xC0000)
    if (top > 0x100000) above1M += top - (base > 0x100000 ? base : 0x100000);
  }
  puts("image inside available RAM: "); yes(inside);
  puts("image end page-aligned: "); yes((end & 0xfff) == 0);
  puts("image end past static data: "); yes(end >= <u32>__heap_base);
  puts("60 MiB or more above 1 MiB: "); yes(above1M >= 60 << 20);
  exit(0);
}
