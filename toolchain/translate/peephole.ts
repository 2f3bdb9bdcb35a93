// Peephole passes over one translated function's kbc (after translation, before linking).

import { OPCODES, Op, word0 } from "../kbc/opcodes.ts";
import type { TranslatedFunc } from "./func.ts";

/**
 * Post-pass: a JMP to a JMP goes straight to the final target, a JMP to a return becomes that
 * return, and `MOV x, y` right before `RET x` becomes `RET y` (MOV64/RET64 likewise) (the RET stays for other paths).
 * Entries of a BRTABLE stay JMPs.
 */
export function threadJumps(out: TranslatedFunc): void {
  const n = out.words.length;
  const name = (i: number) => OPCODES[out.words[i] & 0xff].name;
  for (let i = 0; i < n; i++) {
    if (name(i) === "BRTABLE") { i += out.imms[i] + 1; continue; }
    if (name(i) !== "JMP") continue;
    let t = i + 1 + out.imms[i];
    for (let hops = 0; hops < 8 && name(t) === "JMP" && t !== i; hops++) t = t + 1 + out.imms[t];
    if (name(t) === "RET" || name(t) === "RET64" || name(t) === "RET0") { out.words[i] = out.words[t]; out.imms[i] = 0; }
    else out.imms[i] = t - (i + 1);
  }
  for (let i = 0; i + 1 < n; i++) {
    const wide = name(i) === "MOV64" && name(i + 1) === "RET64";
    if (!wide && (name(i) !== "MOV" || name(i + 1) !== "RET")) continue;
    const dst = (out.words[i] >>> 8) & 0xff, src = (out.words[i] >>> 16) & 0xff;
    if (((out.words[i + 1] >>> 8) & 0xff) === dst) out.words[i] = word0(wide ? Op.RET64 : Op.RET, src);
  }
}

