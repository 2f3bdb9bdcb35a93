// The kbc verifier: every module is checked before it is written or run, so no VM ever meets an
// out-of-range slot, a branch into the middle of nowhere, or a call with the wrong shape. Driven by
// the operand formats of the opcode table. Units: instructions and slots.

import { OPCODES, TRAP_CODES, MAX_FRAME_SLOTS, VM_STACK_SLOTS, type FieldKind } from "./opcodes.ts";
import { displayName, typeOfShape, type KbcModule } from "./module.ts";

/** Returns the list of problems (empty when the module is valid). */
export function verifyKbc(m: KbcModule): string[] {
  const errs: string[] = [];
  const n = m.code.length >> 1;
  if (m.code.length % 2) errs.push("code is not a whole number of instructions");
  const nf = m.functions.length;
  if (m.entry < 0 || m.entry >= nf) errs.push(`entry function ${m.entry} out of range`);
  else if (m.functions[m.entry].params || m.functions[m.entry].results) errs.push("entry function must take and return nothing");
  if (m.start >= nf) errs.push(`start function ${m.start} out of range`);
  else if (m.start >= 0 && (m.functions[m.start].params || m.functions[m.start].results)) errs.push("start function must take and return nothing");
  m.table.forEach((f, i) => { if (f < -1 || f >= nf) errs.push(`table[${i}] = ${f} is not a function`); });
  for (const t of m.types) if (typeOfShape(t.shape)?.params !== t.params || typeOfShape(t.shape)?.results !== t.results) errs.push(`a bad signature ${JSON.stringify(t.shape)}`);
  for (const d of m.data) {
    if (d.addr + d.bytes.length > 2 ** 32) errs.push(`data segment at 0x${d.addr.toString(16)} runs past 4 GiB`);
    if (d.addr + d.bytes.length > m.memoryBytes) errs.push(`data segment at 0x${d.addr.toString(16)} lies beyond the module's memory size`);
  }
  let prevEnd = 0;
  for (let fi = 0; fi < nf && errs.length < 20; fi++) {
    const f = m.functions[fi];
    const where = (pc: number) => `${displayName(f.name)}+${pc - f.start}`;
    if (f.start !== prevEnd) errs.push(`function ${f.name} does not start where the previous one ends`);
    prevEnd = f.start + f.length;
    if (f.length < 1 || f.start + f.length > n) { errs.push(`function ${f.name} has a bad code range`); continue; }
    if (f.type < 0 || f.type >= m.types.length) { errs.push(`function ${f.name} has a bad signature index`); continue; }
    const t = m.types[f.type];
    if (t.params !== f.params || t.results !== f.results) errs.push(`function ${f.name} disagrees with its signature`);
    if (f.frameSize < f.params || f.frameSize < f.results || f.frameSize > MAX_FRAME_SLOTS) errs.push(`function ${f.name} has a bad frame size ${f.frameSize}`);
    const end = f.start + f.length;
    let tableLeft = 0; // instructions after a BRTABLE that must be JMPs
    for (let pc = f.start; pc < end; pc++) {
      const w = m.code[2 * pc], I = m.code[2 * pc + 1];
      const op = OPCODES[w & 0xff];
      if (!op) { errs.push(`${where(pc)}: unknown opcode ${w & 0xff}`); continue; }
      if (tableLeft > 0) { tableLeft--; if (op.name !== "JMP") errs.push(`${where(pc)}: BRTABLE entry is not a JMP`); }
      const fields = [(w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24, I];
      for (let k = 0; k < 4; k++) {
        const kind = op.format[k] as FieldKind, v = fields[k];
        const bad = (what: string) => errs.push(`${where(pc)}: ${op.name} ${"ABCI"[k]} ${what}`);
        switch (kind) {
          case "r": if (v >= f.frameSize) bad(`slot ${v} outside the frame of ${f.frameSize}`); break;
          case "p": if (v + 1 >= f.frameSize) bad(`slot pair ${v}:${v + 1} outside the frame of ${f.frameSize}`); break;
          case "R": if (v < 0 || v >= f.frameSize) bad(`slot ${v} outside the frame of ${f.frameSize}`); break;
          case "-": if (v !== 0) bad("must be 0"); break;
          case "s": if (k === 1) { const to = pc + 1 + (w >> 16); if (to < f.start || to >= end) bad(`branch target ${to - f.start} outside the function`); } break;
          case "t": { const to = pc + 1 + v; if (to < f.start || to >= end) bad(`branch target ${to - f.start} outside the function`); break; }
          case "f": if (v < 0 || v >= nf) bad(`function ${v} out of range`); break;
          case "g": if (v < 0 || v >= m.globals.length) bad(`global ${v} out of range`); break;
          case "y": if (v < 0 || v >= m.types.length) bad(`signature ${v} out of range`); break;
          case "c": if (v < 0 || v >= TRAP_CODES.length) bad(`trap code ${v} out of range`); break;
          default: break; // n, i: any value
        }
      }
      const A = fields[0];
      switch (op.name) {
        case "DIVSI": case "REMSI": if (I === 0 || I === -1) errs.push(`${where(pc)}: ${op.name} by ${I} (only the register form may trap)`); break;
        case "DIVUI": case "REMUI": if (I === 0) errs.push(`${where(pc)}: ${op.name} by 0 (only the register form may trap)`); break;
        case "ZERO": if (A + fields[1] > f.frameSize) errs.push(`${where(pc)}: ZERO runs past the frame`); break;
        case "ABORT": if (A + 4 > f.frameSize) errs.push(`${where(pc)}: ABORT arguments outside the frame`); break;
        case "BRTABLE":
          if (I < 0 || pc + 1 + I >= end) errs.push(`${where(pc)}: BRTABLE entries run past the function`);
          else tableLeft = I + 1;
          break;
        case "CALL": case "CALLI": {
          const sig = op.name === "CALL" ? (I >= 0 && I < nf ? m.types[m.functions[I].type] : undefined) : m.types[I];
          if (!sig) break;
          if (A + Math.max(sig.params, sig.results) > f.frameSize) errs.push(`${where(pc)}: call window at ${A} outside the frame`);
          if (op.name === "CALL" && m.functions[I].frameSize > VM_STACK_SLOTS) errs.push(`${where(pc)}: callee frame larger than the VM stack`);
          break;
        }
        case "RET": if (f.results !== 1) errs.push(`${where(pc)}: RET with a 32-bit value in a function without a 32-bit result`); break;
        case "RET64": if (f.results !== 2) errs.push(`${where(pc)}: RET64 in a function without a 64-bit result`); break;
        case "RET0": if (f.results !== 0) errs.push(`${where(pc)}: RET0 in a function with a result`); break;
      }
    }
    if (tableLeft > 0) errs.push(`${displayName(f.name)}: BRTABLE entries missing`);
    const last = OPCODES[m.code[2 * (end - 1)] & 0xff];
    if (!last?.terminator) errs.push(`${displayName(f.name)}: control can fall off the end (last instruction ${last?.name ?? "?"})`);
  }
  if (prevEnd !== n && errs.length === 0) errs.push("code outside every function");
  let lastPc = -1;
  for (const l of m.lines) {
    if (l.pc <= lastPc || l.pc >= n) { errs.push("line table not sorted or out of range"); break; }
    if (l.file >= m.strings.length) { errs.push("line table names an unknown file"); break; }
    lastPc = l.pc;
  }
  return errs;
}
