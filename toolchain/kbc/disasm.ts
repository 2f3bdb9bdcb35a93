// The kbc disassembler: one line per instruction, driven by the opcode table's formats, with
// function headers and the TS source line each run of instructions came from.
//
//   fib  (params 1, result 1, frame 4 slots)          ; prog.ts:6
//     0000  BGESK      r0, 2, -> 0003
//     0001  RET        r0

import { OPCODES, TRAP_CODES, type FieldKind } from "./opcodes.ts";
import { displayName, type KbcModule } from "./module.ts";

/** Formats one instruction (pc-relative targets shown as function-relative indexes). */
export function formatInsn(m: KbcModule, pc: number, fnStart: number): string {
  const w = m.code[2 * pc], I = m.code[2 * pc + 1];
  const op = OPCODES[w & 0xff];
  if (!op) return `.word 0x${(w >>> 0).toString(16)}, 0x${(I >>> 0).toString(16)}`;
  const fields = [(w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24, I];
  const parts: string[] = [];
  for (let k = 0; k < 4; k++) {
    const kind = op.format[k] as FieldKind, v = fields[k];
    switch (kind) {
      case "r": case "R": parts.push(`r${v}`); break;
      case "p": parts.push(`r${v}:${v + 1}`); break;
      case "s": if (k === 1) parts.push(`-> ${String(pc + 1 + (w >> 16) - fnStart).padStart(4, "0")}`); break;
      case "n": parts.push(String(v)); break;
      case "i": parts.push(v < -9 || v > 9 ? `${v} (0x${(v >>> 0).toString(16)})` : String(v)); break;
      case "t": parts.push(`-> ${String(pc + 1 + v - fnStart).padStart(4, "0")}`); break;
      case "f": parts.push(m.functions[v] ? displayName(m.functions[v].name) : `func#${v}`); break;
      case "g": parts.push(`g${v}`); break;
      case "y": parts.push(`sig${v}(${m.types[v]?.shape ?? "?"})`); break;
      case "c": parts.push(TRAP_CODES[v] ?? String(v)); break;
      default: break;
    }
  }
  return `${op.name.padEnd(10)} ${parts.join(", ")}`.trimEnd();
}

/** The whole module's listing. */
export function disassemble(m: KbcModule): string {
  const out: string[] = [];
  const lineOf = new Map(m.lines.map((l) => [l.pc, l]));
  m.globals.forEach((g, i) => out.push(`global g${i} = ${g}`));
  for (const d of m.data) out.push(`data 0x${d.addr.toString(16).padStart(8, "0")}  ${d.bytes.length} bytes`);
  if (m.table.length) out.push(`table [${m.table.map((f) => (f < 0 ? "null" : displayName(m.functions[f].name))).join(", ")}]`);
  m.functions.forEach((f, fi) => {
    const tags = [fi === m.entry ? "entry" : "", fi === m.start ? "start" : ""].filter(Boolean).join(", ");
    out.push("", `${displayName(f.name)}  (params ${f.params}, result ${f.results}, frame ${f.frameSize} slots${tags ? `, ${tags}` : ""})`);
    for (let pc = f.start; pc < f.start + f.length; pc++) {
      const l = lineOf.get(pc);
      const src = l && l.line ? `   ; ${m.strings[l.file]}:${l.line}` : "";
      out.push(`  ${String(pc - f.start).padStart(4, "0")}  ${formatInsn(m, pc, f.start)}${src}`);
    }
  });
  return out.join("\n") + "\n";
}
