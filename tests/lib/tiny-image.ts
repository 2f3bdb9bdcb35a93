// Tiny Multiboot ELF images for the emulator tests, assembled with boot/asm.ts and written with
// boot/elf.ts: they stand in for the real guest image (boot/image.ts) where only the machine is
// under test. Every image loads at 0x100000 and starts with its Multiboot header.
import { Section, assemble } from "../../boot/asm.ts";
import { writeElf } from "../../boot/elf.ts";

export const LOAD_ADDR = 0x100000;
const COM1 = 0x3f8, EXIT_PORT = 0xf4;
const MAGIC = 0x1badb002, FLAGS = 2; // flags: memory map wanted; ELF layout (no a.out kludge)

export interface TinyImage {
  elf: Uint8Array;
  /** The loaded bytes (header and code) as they should appear at LOAD_ADDR. */
  text: Uint8Array;
}

/**
 * `print` goes to COM1, then:
 *  - `exitCode` (default): written to port 0xF4 as a 32-bit `out dx, eax`, then hlt forever;
 *  - `spin`: a busy loop forever, never exiting;
 *  - `echo`: every byte received on COM1 is echoed until a `q` arrives, then exit with `exitCode`.
 */
export function tinyImage(opts: { print?: string; exitCode?: number; mode?: "exit" | "spin" | "echo" } = {}): TinyImage {
  const { print = "hi\n", exitCode = 7, mode = "exit" } = opts;
  const s = new Section("text", LOAD_ADDR);
  s.dd(MAGIC, FLAGS, (-(MAGIC + FLAGS)) >>> 0);
  s.label("entry");
  for (const c of print) s.i("mov", "dx", COM1).i("mov", "al", c.charCodeAt(0) & 0xff).i("out", "dx", "al");
  if (mode === "spin") {
    s.label("spin").i("inc", "ecx").jmp("spin");
  } else {
    if (mode === "echo") {
      s.label("poll").i("mov", "dx", COM1 + 5).i("in", "al", "dx").i("test", "al", 1).jcc("e", "poll");
      s.i("mov", "dx", COM1).i("in", "al", "dx").i("cmp", "al", "q".charCodeAt(0)).jcc("e", "done");
      s.i("out", "dx", "al").jmp("poll");
      s.label("done");
    }
    s.i("mov", "dx", EXIT_PORT).i("mov", "eax", exitCode >>> 0).i("out", "dx", "eax");
    s.label("halt").i("hlt").jmp("halt");
  }
  const r = assemble([s]);
  const text = r.sections[0].bytes;
  return { elf: writeElf([{ addr: LOAD_ADDR, bytes: text, flags: "rx" }], r.labels.get("entry")!), text };
}
