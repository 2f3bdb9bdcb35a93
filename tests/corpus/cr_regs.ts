// exit: 0
// Control registers read back what was written: write_cr0/read_cr0 toggling CR0.WP (bit 16) and
// restoring the original, write_cr3/read_cr3 with page-aligned values (only while paging is off,
// so this is safe on a real CPU too) and the original restored; read_cr2 can be called (its value
// is not printed). Initial register values are never printed.
import { read_cr0, write_cr0, read_cr2, read_cr3, write_cr3, exit } from "../../kernel-ts/arch";
import { putc, puthex } from "../../kernel-ts/dev/serial";

const CR3S = memory.data<u32>([0x00123000, 0xfffff000, 0x00000000, 0x03fff000]);

function sp(): void { putc(32); }
function yes(b: bool): void { putc(b ? 121 : 110); }

export function kmain(): void {
  store<u32>(0x400000, read_cr2()); // only that the call works
  const old0 = read_cr0();
  write_cr0(old0 | 0x10000);
  puthex(read_cr0() & 0x10000); sp();
  write_cr0(old0 & ~0x10000);
  puthex(read_cr0() & 0x10000); sp();
  write_cr0(old0);
  // CR0.ET (bit 4) is hardwired to 1 on real CPUs; v86 reads it as 0 until CR0 is first written
  yes((read_cr0() | 0x10) == (old0 | 0x10)); putc(10);

  const old3 = read_cr3();
  const paging = (read_cr0() & 0x80000000) != 0;
  for (let i = 0; i < 4; i++) {
    const v = paging ? old3 : load<u32>(CR3S + (i << 2));
    write_cr3(v);
    yes(read_cr3() == v);
    if (!paging) { sp(); puthex(read_cr3()); }
    putc(10);
  }
  write_cr3(old3);
  yes(read_cr3() == old3); putc(10);
  exit(0);
}
