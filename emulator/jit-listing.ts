// `kt disasm --x86 --jit [FUNCTION]`: the x86 the guest's compiling tier makes of a program's
// functions. The image is built with --jit eager and booted in v86 until every function is compiled
// (then it exits, before running any); the compiled code is read back from the guest's memory and
// listed per function, each kbc instruction's code under its TS line and the instruction itself.

import iced from "iced-x86";
import { linkImage } from "../boot/image.ts";
import { Machine } from "./machine.ts";
import { KtError } from "../toolchain/errors.ts";
import { displayName, lineAt, type KbcModule } from "../toolchain/kbc/module.ts";
import { formatInsn } from "../toolchain/kbc/disasm.ts";
const { Decoder, DecoderOptions, Formatter, FormatterSyntax } = iced;

export async function jitListing(m: KbcModule, name: string, only?: string): Promise<string> {
  const fns = m.functions.map((f, i) => ({ f, i })).filter(({ f }) => only === undefined || displayName(f.name) === only || f.name === only);
  if (!fns.length) throw new KtError(`kt disasm: no function ${only} (functions: ${m.functions.map((f) => displayName(f.name)).join(", ")})`);
  const img = linkImage(m, name, { jit: "eager", jitDump: true });
  const vm = await Machine.boot(img.elf, { memoryMB: Math.max(16, Math.ceil(img.layout.memoryBytes / 1048576) + 2) });
  try {
    const code = await vm.exited;
    if (code !== 0) throw new KtError(`kt disasm: the guest exited with ${code} while compiling:\n${vm.output()}`);
    const word = (label: string, k: number) => new DataView(vm.readPhys(img.labels.get(label)! + 4 * k, 4).buffer).getUint32(0, true);
    const names = new Map<number, string>();
    for (const [l, a] of img.labels) if (!names.has(a) && !l.startsWith("st_")) names.set(a, l);
    m.functions.forEach((f, i) => names.set(word("jit_code", i), displayName(f.name)));
    const fmt = new Formatter(FormatterSyntax.Nasm);
    const out: string[] = [];
    try {
      for (const { f, i } of fns) {
        const start = word("jit_code", i), end = word("jit_fend", i);
        out.push(`${displayName(f.name)}: compiled at 0x${start.toString(16)}, ${end - start} bytes (${f.length} kbc instructions)`);
        const bytes = vm.readPhys(start, end - start);
        let lastLine = "";
        for (let pc = f.start; pc < f.start + f.length; pc++) {
          const a = word("jit_pcmap", pc), b = pc + 1 < f.start + f.length ? word("jit_pcmap", pc + 1) : end;
          const pos = lineAt(m, pc), line = pos ? `${pos.file}:${pos.line}` : "?";
          if (line !== lastLine) { out.push(`  ; ${line}`); lastLine = line; }
          out.push(`  ;   ${String(pc - f.start).padStart(4, "0")}  ${formatInsn(m, pc, f.start)}`);
          const d = new Decoder(32, bytes.subarray(a - start, b - start), DecoderOptions.None);
          d.ip = BigInt(a);
          while (d.canDecode) {
            const ins = d.decode();
            const at = Number(ins.ip);
            const raw = bytes.subarray(at - start, at - start + ins.length);
            const text = fmt.format(ins).replace(/\b([0-9a-f]+)h\b/gi, (s, h) => names.get(parseInt(h, 16)) ?? s);
            out.push(`    ${at.toString(16).padStart(8, "0")}  ${[...raw].map((x) => x.toString(16).padStart(2, "0")).join("").padEnd(20)} ${text}`);
            ins.free();
          }
          d.free();
        }
        out.push("");
      }
    } finally { fmt.free(); }
    return out.join("\n");
  } finally { await vm.stop(); }
}
