// The choice of handler variants for compiled code (boot/variants.ts) and the slot liveness it
// rests on (toolchain/kbc/liveness.ts), on small hand-written kbc functions. That compiled code
// with these variants computes what the interpreter does is the corpus's and the random
// programs' work (tests/boot/corpus-guest.test.ts, tests/toolchain/random.test.ts, every tier).
import { describe, it, expect, beforeAll } from "vitest";
import { Op, word0 } from "../../toolchain/kbc/opcodes.ts";
import type { KbcModule } from "../../toolchain/kbc/module.ts";
import { liveOut, isLive } from "../../toolchain/kbc/liveness.ts";
import { jitVariants, handlerVariants } from "../../boot/variants.ts";
import { emitInterpreter, pagedTwin, type InterpreterInfo } from "../../boot/vm.ts";
import { withoutLoopRegs, decodeLoopRegs, headBytes } from "../../boot/loopregs.ts";
import { Section } from "../../boot/asm.ts";
import { linkImage } from "../../boot/image.ts";
import { Machine } from "../../emulator/machine.ts";

type Insn = [string, number?, number?, number?, number?];

/** A module of functions given as instruction lists (frame 16 slots; function 2 returns nothing, the others an i32). */
function module(...fns: Insn[][]): KbcModule {
  const code: number[] = [];
  const functions = fns.map((body, f) => {
    const start = code.length / 2;
    for (const [op, a = 0, b = 0, c = 0, i = 0] of body) {
      if (Op[op] === undefined) throw new Error(`no opcode ${op}`);
      code.push(word0(Op[op], a, b, c), i);
    }
    return { name: `f${f}`, type: 0, params: 0, results: f === 2 ? 0 : 1, frameSize: 16, start, length: body.length };
  });
  return {
    strings: [], types: [{ shape: ">i", params: 0, results: 1 }], functions, code: Int32Array.from(code), globals: [], table: [],
    data: [], lines: [], entry: 0, start: -1, memoryBytes: 1 << 20,
  };
}

let info: InterpreterInfo;
beforeAll(() => { info = emitInterpreter(new Section("text", 0x100000), { jit: true }); });
const variants = (...fns: Insn[][]) => jitVariants(module(...fns), info);

describe("kbc liveness", () => {
  it("a slot is live until its last read, and dead after it", () => {
    const m = module([["CONST", 1, 0, 0, 5], ["ADD", 2, 1, 1], ["ST32", 2, 1, 0, 0], ["RET", 2]]);
    const live = liveOut(m);
    expect(isLive(live, 0, 1)).toBe(true);   // read by ADD and ST32
    expect(isLive(live, 1, 1)).toBe(true);   // read by ST32
    expect(isLive(live, 2, 1)).toBe(false);  // nothing reads it after
    expect(isLive(live, 2, 2)).toBe(true);   // RET reads it
    expect(isLive(live, 3, 2)).toBe(false);  // the frame is gone
  });
  it("a loop keeps what its next iteration reads live across the back edge", () => {
    // r0 = 0; loop: r1 = r0 + 1; r0 = r1; if r0 < 10 goto loop; ret r3
    const m = module([["CONST", 0, 0, 0, 0], ["ADDI", 1, 0, 0, 1], ["MOV", 0, 1], ["BLTSI", 0, 0xfd, 0xff, 10], ["RET", 3]]);
    const live = liveOut(m);
    expect(isLive(live, 3, 0)).toBe(true);   // the branch back reads r0 again
    expect(isLive(live, 1, 1)).toBe(true);   // MOV reads r1
    expect(isLive(live, 2, 1)).toBe(false);  // r1 is written before it is read again
    expect(isLive(live, 0, 3)).toBe(true);   // never written: live from the start
  });
  it("a call reads its arguments, the slots of its window the callee's parameters take; an unwritten slot stays live across it", () => {
    const m = module([["CONST", 5, 0, 0, 1], ["CONST", 6, 0, 0, 9], ["CONST", 2, 0, 0, 7], ["CALL", 4, 0, 0, 1], ["RET", 2]], [["RET", 0]]);
    m.functions[1].params = 2; // slots 4 and 5 of the caller
    const live = liveOut(m);
    expect(isLive(live, 0, 5)).toBe(true);   // its second argument
    expect(isLive(live, 1, 6)).toBe(false);  // above the arguments: the callee writes it before reading it
    expect(isLive(live, 3, 2)).toBe(true);   // below the window, read by RET after the call
    const abort = module([["CONST", 6, 0, 0, 9], ["ABORT", 4]]);
    expect(isLive(liveOut(abort), 0, 6)).toBe(true); // ABORT may read any slot from A up
  });
});

describe("jit variants", () => {
  it("a value read once, through eax, by the next instruction is not stored (_d); its reader takes it from eax (_e)", () => {
    const v = variants([["ADDI", 4, 3, 0, 0x400000], ["LD8U", 5, 4, 0, 0], ["RET", 5]]);
    expect(v).toEqual(["op_ADDI_d", "op_LD8U_e_z_d", "op_RET_e"]);
  });
  it("a value read again later is stored", () => {
    const v = variants([["ADDI", 4, 3, 0, 8], ["LD32", 5, 4, 0, 4], ["ADD", 6, 5, 4], ["RET", 6]]);
    expect(v[0]).toBe("op_ADDI");      // r4 is read again by ADD
    expect(v[1]).toBe("op_LD32_e_d");  // takes r4 from eax; r5 is read by ADD from eax, then dead
    expect(v[2]).toBe("op_ADD_e_d");
  });
  it("a reader that reads the slot in a second field keeps the store", () => {
    const v = variants([["ADDI", 4, 3, 0, 1], ["MUL", 5, 4, 4], ["RET", 5]]);
    expect(v[0]).toBe("op_ADDI");
    expect(v[1]).toBe("op_MUL_e_d");
  });
  it("an increment is in place (_m) unless the next instruction takes its result from eax", () => {
    expect(variants([["ADDI", 0, 0, 0, 1], ["RET", 1]])[0]).toBe("op_ADDI_m");
    expect(variants([["ADDI", 0, 0, 0, 1], ["RET", 0]])[0]).toBe("op_ADDI_d"); // RET takes it from eax
    expect(variants([["SHLI", 2, 2, 0, 3], ["RET", 1]])[0]).toBe("op_SHLI_m");
    // A = C of a commutative operator: in place with the operands swapped; SUB has no such form.
    expect(variants([["ADD", 2, 1, 2], ["RET", 3]])[0]).toBe("op_ADD_s_m");
    expect(variants([["SUB", 2, 1, 2], ["RET", 3]])[0]).toBe("op_SUB_d");
  });
  it("eax carries a value across a CONST stored in place, to a store that takes its address from eax", () => {
    // The sieve's inner step: r4 = r3 + BASE; r5 = 0; mem8[r4] = r5.
    const v = variants([["ADDI", 4, 3, 0, 0x400000], ["CONST", 5, 0, 0, 0], ["ST8", 4, 5, 0, 0], ["RET", 5]]);
    expect(v).toEqual(["op_ADDI_d", "op_CONST_m", "op_ST8_e_z", "op_RET"]);
  });
  it("a forward branch's target takes its operand from eax when every path into it brings it there", () => {
    // 0: r1 = r0 + 1; 1: if r1 == 0 goto 3; 2: ret r1; 3: ret r1 (entered only by the branch)
    const v = variants([["ADDI", 1, 0, 0, 1], ["BZ", 1, 0, 0, 1], ["RET", 1], ["RET", 1]]);
    expect(v[1]).toBe("op_BZ_e");
    expect(v[3]).toBe("op_RET_e");
    expect(v[0]).toBe("op_ADDI");     // read again by the RETs after the branch
    // 0: if r0 >= 2 goto 2; 1: ret r0; 2: r1 = r0 - 1 (the compare left R[A] in eax on both edges)
    expect(variants([["BGESI", 0, 1, 0, 2], ["RET", 0], ["ADDI", 1, 0, 0, -1], ["RET", 1]])[2]).toBe("op_ADDI_e_d");
    // Reached by falling through with another slot in eax: from memory.
    // 0: r2 = r1 + 1; 1: if r0 == 0 goto 3; 2: r2 = r3 + 1; 3: ret r2
    const join = variants([["ADDI", 2, 1, 0, 1], ["BZ", 0, 0, 0, 1], ["ADDI", 4, 3, 0, 1], ["RET", 2]]);
    expect(join[3]).toBe("op_RET");
    expect(join[0]).toBe("op_ADDI");  // stored: RET reads it from memory
  });
  it("a backward branch's target never takes its operand from eax (an interrupt handler may run first)", () => {
    // 0: r1 = r1 + r0; 1: if r1 <s 100 goto 0; 2: ret r1
    const v = variants([["ADD", 1, 1, 0], ["BLTSI", 1, 0xfe, 0xff, 100], ["RET", 1]]);
    expect(v[0]).not.toContain("_e");
    expect(withoutLoopRegs(v[1])).toBe("op_BLTSI_sp_e"); // (its loop keeps r1 in a register: boot/loopregs.ts)
    expect(v[2]).toBe("op_RET_e");
  });
  it("after a call to a function returning i32 the result is in eax; after a void call it is not", () => {
    const withResult = variants([["CALL", 4, 0, 0, 1], ["ADD", 5, 3, 4], ["RET", 5]], [["RET", 0]], [["RET0"]]);
    expect(withResult[1]).toBe("op_ADD_e_s_d");
    const voidCall = variants([["CALL", 4, 0, 0, 2], ["ADD", 5, 3, 4], ["RET", 5]], [["RET", 0]], [["RET0"]]);
    expect(voidCall[1]).toBe("op_ADD_d");
    expect(variants([["CALL", 4, 0, 0, 2], ["ADD", 5, 4, 3], ["RET", 5]], [["RET", 0]], [["RET0"]])[1]).toBe("op_ADD_d");
  });
  it("a compare-and-branch leaves R[A] in eax for the instruction it falls through to", () => {
    const v = variants([["BGESI", 0, 1, 0, 2], ["RET", 0], ["RET", 1]]);
    expect(v[1]).toBe("op_RET_e_d");    // R[0] holds the result already: RET does not store it
  });
  it("a return of R[0] stores it when its value is only in eax (its producer did not store it)", () => {
    expect(variants([["ADDI", 0, 1, 0, 1], ["RET", 0]])).toEqual(["op_ADDI_d", "op_RET_e"]);
    expect(variants([["ADDI", 2, 1, 0, 1], ["RET", 2]])).toEqual(["op_ADDI_d", "op_RET_e"]);
    expect(variants([["RET", 0]])).toEqual(["op_RET_d"]);
  });
  it("a compare-and-branch whose B is in eax compares with its operands swapped, the relation mirrored", () => {
    // r10 = r4 - r3; if r9 <u r10 goto 3; ret r10; ret r9
    const v = variants([["SUB", 10, 4, 3], ["BLTU", 9, 10, 0, 1], ["RET", 10], ["RET", 9]]);
    expect(v[1]).toBe("op_BLTU_e_s");
    expect(v[2]).toBe("op_RET_e");       // eax holds R[B] when it falls through
    expect(v[0]).toBe("op_SUB");         // r10 is read again by the RET
  });
  it("a value whose reader overwrites its slot is not stored (r = load(r))", () => {
    const v = variants([["ADD", 10, 0, 2], ["LD32", 10, 10, 0, 0], ["ANDI", 10, 10, 0, -8], ["RET", 10]]);
    expect(v).toEqual(["op_ADD_d", "op_LD32_e_z_d", "op_ANDI_e_d", "op_RET_e"]);
  });
  it("a global written from eax takes it from there", () => {
    const v = variants([["XOR", 3, 1, 2], ["GSET", 3, 0, 0, 5], ["RET", 1]]);
    expect(v).toEqual(["op_XOR_d", "op_GSET_e", "op_RET"]);
  });
  it("the stencils that pass eax on leave it untouched: BZ and BNZ comparing in memory, JMP, in-place ops", () => {
    const writesEax = (o: { t: string; ops?: unknown[] }) => o.t === "i" && typeof o.ops?.[0] === "string" && ["eax", "ax", "al"].includes(o.ops[0] as string);
    for (const name of ["op_BZ", "op_BNZ", "op_JMP", "op_CONST_m", "op_ADDI_m", "op_SHLI_m", "op_XORI_m"]) {
      const [st] = info.stencils([name]);
      expect(st.ops.filter(writesEax), name).toEqual([]);
    }
    // and the one that must leave its result there does: CONST's I goes into eax at its end.
    expect(info.stencils(["op_CONST"])[0].ops.filter(writesEax)).toHaveLength(1);
  });
  it("a ZERO of at most 16 slots is as many stores, a longer one the loop", () => {
    expect(variants([["ZERO", 1, 8], ["RET", 0]])[0]).toBe("op_ZERO_u8");
    expect(variants([["ZERO", 1, 16], ["RET", 0]])[0]).toBe("op_ZERO_u16");
    expect(variants([["ZERO", 0, 17], ["RET", 0]])[0]).toBe("op_ZERO");
    const [st] = info.stencils(["op_ZERO_u3"]);
    expect(st.ops.filter((o) => o.t === "i")).toHaveLength(3);
  });
  it("the interpreter's variants are unchanged by the stencil-only ones", () => {
    const m = module([["ADDI", 4, 3, 0, 0x400000], ["LD8U", 5, 4, 0, 0], ["RET", 5]]);
    expect(handlerVariants(m, info)).toEqual(["op_ADDI", "op_LD8U_e", "op_RET"]);
  });
  it("every variant it picks has a stencil the image builder can make", () => {
    const v = variants([["ADDI", 4, 3, 0, 0x400000], ["CONST", 5, 0, 0, 0], ["ST8", 4, 5, 0, 0], ["ADD", 2, 1, 2], ["SHLI", 2, 2, 0, 3],
      ["CALL", 4, 0, 0, 1], ["ADD", 5, 3, 4], ["RET", 5]], [["RET", 0]]);
    const stencils = info.stencils([...new Set(v)]);
    expect(stencils.map((s) => s.name).sort()).toEqual([...new Set(v)].sort());
  });
});

describe("loop registers (boot/loopregs.ts)", () => {
  // 0: i = 0; 1: s = 0; 2: if i >=u 100 goto 6; 3: s += i; 4: i += 1; 5: goto 2; 6: return s
  const loop = (body: Insn[] = [["ADD", 1, 1, 0]]): Insn[] => [["CONST", 0, 0, 0, 0], ["CONST", 1, 0, 0, 0], ["BGEUI", 0, 3 + body.length - 1, 0, 100],
    ...body, ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -(3 + body.length)], ["RET", 1]];
  it("an innermost loop keeps the slots live into its head in ebx and esi: loaded at the head, the back edge jumping past the loads", () => {
    const v = variants(loop());
    const p = v.map((x) => decodeLoopRegs(x));
    expect([p[0], p[1], p[6]]).toEqual([null, null, null]);
    expect(p[2]).toMatchObject({ slots: [0, 1], head: true, outT: true, outE: false, skip: 0 }); // i is named most
    expect(p[3]).toMatchObject({ map: "ssb", slots: [0, 1], head: false, outT: false }); // s += i: A and B in esi, C in ebx
    expect(p[4]).toMatchObject({ map: "bbm" });
    expect(p[5]).toMatchObject({ skip: headBytes([0, 1]), outE: false });
    expect(headBytes([0, 1])).toBe(6); // mov ebx, [ebp+0]; mov esi, [ebp+4]
    expect(headBytes([40, -1])).toBe(6); // mov ebx, [ebp+160]: a disp32
  });
  it("no registers for a loop with a call, with an instruction they cannot hold, or entered other than at its head", () => {
    expect(variants(loop([["CALL", 4, 0, 0, 1]]), [["RET", 0]]).some((x) => decodeLoopRegs(x))).toBe(false);
    expect(variants(loop([["SELECT", 1, 0, 1, 0]])).some((x) => decodeLoopRegs(x))).toBe(false); // reads a slot through I
    const entered = loop();
    entered.splice(2, 0, ["JMP", 0, 0, 0, 1]); // 2: goto 4, into the body
    entered[6][4] = -4;                        // the back edge, still to the head (now 3)
    expect(variants(entered).some((x) => decodeLoopRegs(x))).toBe(false);
  });
  it("of nested loops only the inner one keeps registers", () => {
    // 0: i = 0; 1: s = 0; 2: if i >=u 10 goto 9; 3: j = 0; 4: if j >=u 10 goto 7; 5: s += j; 6: j += 1 and goto 4 (7);
    const v = variants([["CONST", 0, 0, 0, 0], ["CONST", 1, 0, 0, 0], ["BGEUI", 0, 7, 0, 10], ["CONST", 2, 0, 0, 0],
      ["BGEUI", 2, 3, 0, 10], ["ADD", 1, 1, 2], ["ADDI", 2, 2, 0, 1], ["JMP", 0, 0, 0, -4], ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -8], ["RET", 1]]);
    expect(v.map((x) => decodeLoopRegs(x) !== null)).toEqual([false, false, false, false, true, true, true, true, false, false, false]);
  });
});

describe("safe points folded into loads and stores (_f)", () => {
  const names = (v: string[]) => v.map((x) => withoutLoopRegs(x));
  it("a loop that loads or stores on every pass leaves its safe point to them; one without memory keeps its own", () => {
    // 0: i = 0; 1: if i >=u 100 goto 4; 2: r2 = mem32[i + 0x1000]; 3: i += 1 and goto 1 (4: JMP); 5: ret r2
    const mem = names(variants([["CONST", 0, 0, 0, 0], ["BGEUI", 0, 3, 0, 100], ["LD32", 2, 0, 0, 0x1000], ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -4], ["RET", 2]]));
    expect(mem[4]).toBe("op_JMP_f");
    const none = names(variants([["CONST", 0, 0, 0, 0], ["BGEUI", 0, 3, 0, 100], ["ADDI", 2, 0, 0, 7], ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -4], ["RET", 2]]));
    expect(none[4]).toBe("op_JMP_sp");
  });
  it("a load on one path of the body only is not enough; a call on every path is", () => {
    // 1: if i >=u 100 goto 6; 2: if i == 0 goto 4; 3: r2 = mem32[i]; 4: i += 1; 5: goto 1
    const body = (op: Insn): Insn[] => [["CONST", 0, 0, 0, 0], ["BGEUI", 0, 4, 0, 100], ["BZ", 0, 0, 0, 1], op, ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -5], ["RET", 2]];
    expect(names(variants(body(["LD32", 2, 0, 0, 0])))[5]).toBe("op_JMP_sp");
    const call: Insn[] = [["CONST", 0, 0, 0, 0], ["BGEUI", 0, 3, 0, 100], ["CALL", 4, 0, 0, 1], ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -4], ["RET", 0]];
    expect(names(variants(call, [["RET", 0]]))[4]).toBe("op_JMP_f");
  });
  it("an outer loop whose only load is in an inner loop that may not run keeps its safe point; the inner one folds", () => {
    // 1: if i >=u 10 goto 8; 2: j = 0; 3: if j >=u i goto 6; 4: r3 = mem8[j]; 5: j += 1 and goto 3 (6); 7: i += 1 and goto 1 (8)
    const v = names(variants([["CONST", 0, 0, 0, 0], ["BGEUI", 0, 7, 0, 10], ["CONST", 2, 0, 0, 0], ["BGEU", 2, 0, 0, 3],
      ["LD8U", 3, 2, 0, 0], ["ADDI", 2, 2, 0, 1], ["JMP", 0, 0, 0, -4], ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -8], ["RET", 3]]));
    expect(v[6]).toBe("op_JMP_f");
    expect(v[8]).toBe("op_JMP_sp");
  });
  it("its paged twin is the `_sp` form; the image builder makes both", () => {
    const v = variants([["CONST", 0, 0, 0, 0], ["BGEUI", 0, 3, 0, 100], ["ST32", 0, 0, 0, 0x1000], ["ADDI", 0, 0, 0, 1], ["JMP", 0, 0, 0, -4], ["RET", 0]]);
    expect(pagedTwin(v[4])).toBe(v[4].replace("op_JMP_f", "op_JMP_sp"));
    const st = info.stencils([v[4], pagedTwin(v[4])!]);
    expect(st[0].ops.some((o) => o.t === "i" && JSON.stringify(o.ops).includes("irq_deliver"))).toBe(false);
    expect(st[1].ops.some((o) => o.t === "i" && JSON.stringify(o.ops).includes("irq_deliver"))).toBe(true);
  });
});

describe("jit variants in the guest", () => {
  // Hand-made paths on which compiled code keeps a value in eax: a BNZ that compares in memory and
  // falls through (eax passes on), a call's result, a compare-and-branch's operand at its target
  // and on its fall-through, a RET of R[0] that does not store, a swapped compare-and-branch.
  // Prints "BFAN" and exits 0, interpreted and compiled.
  const kmain: Insn[] = [
    ["CONST", 0, 0, 0, 0], ["CONST", 1, 0, 0, 7], ["ADDI", 2, 1, 0, 58], ["BNZ", 0, 0, 0, 2], ["ADDI", 3, 2, 0, 1], ["JMP", 0, 0, 0, 1],
    ["CONST", 3, 0, 0, 63], ["CONST", 4, 0, 0, 0x3f8], ["OUT8", 4, 3],                                          // "B"
    ["CONST", 5, 0, 0, 70], ["CALL", 5, 0, 0, 1], ["ADDI", 6, 5, 0, 1], ["OUT8", 4, 6],                          // f(70) + 1 = "F"
    ["CONST", 5, 0, 0, 5], ["CALL", 5, 0, 0, 1], ["ADDI", 6, 5, 0, 60], ["OUT8", 4, 6],                          // f(5) + 60 = "A"
    ["SUB", 7, 6, 0], ["BLTU", 2, 7, 0, 2], ["CONST", 8, 0, 0, 78], ["JMP", 0, 0, 0, 1], ["CONST", 8, 0, 0, 89], // 65 < 65? "N"
    ["OUT8", 4, 8], ["CONST", 9, 0, 0, 0], ["EXIT", 9],
  ];
  // f(n) = n < 10 ? n : n - 1
  const f: Insn[] = [["BGESI", 0, 1, 0, 10], ["RET", 0], ["ADDI", 1, 0, 0, -1], ["RET", 1]];
  it("they pick the forwarding variants this test is about", () => {
    const v = variants(kmain, f);
    expect(v[4]).toBe("op_ADDI_e");                  // after the BNZ, eax still holds r2
    expect(v[11]).toBe("op_ADDI_e");                 // the call's result
    expect(v[18]).toBe("op_BLTU_e_s");
    expect(v.slice(kmain.length)).toEqual(["op_BGESI", "op_RET_e_d", "op_ADDI_e_d", "op_RET_e"]);
  });
  for (const jit of ["off", "lazy", "eager"] as const) {
    it(`print what the interpreter prints (--jit ${jit})`, async () => {
      const img = linkImage(module(kmain, f), "eax_paths", { jit });
      const m = await Machine.boot(img.elf, { memoryMB: 16 });
      try {
        expect(await m.exited).toBe(0);
        expect(m.output()).toBe("BFAN");
      } finally { await m.stop(); }
    });
  }
});
