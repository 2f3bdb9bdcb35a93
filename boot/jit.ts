// The compiling tier, in x86: copies a function's stencils (boot/stencil.ts) into the JIT region
// and patches their holes, so the function runs without dispatch. See docs/boot.md (The compiling
// tier). Units: bytes; T is a threaded instruction's address, pc its index, D the address where
// its compiled code runs, W = D + jit_wdelta where it is written (its writable alias once paging
// is on).
//
//   jit_base   trampolines, 16 bytes per function: mov eax, f; jmp jit_lazy   (built with the image)
//   jit_area   compiled functions, each 16-aligned, in the order they were compiled
//   jit_end
//
// Tables: jit_code[f] (data) is f's entry, its trampoline until it is compiled; jit_pcmap[pc]
// (bss) the compiled address of each instruction of a compiled function; jit_fend[f] the end of
// f's code; jit_fmap (bss, u16) the function each 16-byte granule of jit_area holds code of (so a
// page fault in compiled code finds its function in a few instructions); jit_sid[pc] (rodata, u16) the stencil of each instruction (the handler variant the
// interpreter runs for it, or a stencil-only variant of it: boot/variants.ts); st_table (rodata)
// per stencil: address, size, holes, hole count (bit 31: PAGED_TWIN, the next stencil is its `_p`
// twin, which the compiler takes instead once paging is on: mem_limit all ones); a hole is a
// dword: offset (16 bits), kind (8, HOLE_KINDS), addend (8). Holes are 4 bytes, but BYTE_HOLES' one.

import { Section, mem, m8, m16, ref } from "./asm.ts";
import { HOLE_KINDS, BYTE_HOLES, type HoleKind, type StencilHole } from "./stencil.ts";
import { VM_LABELS, PAGED_TWIN } from "./vm.ts";

/** The compiled code's writable alias once paging is on (the kernel maps it: image_layout). */
export const JIT_ALIAS = 0xff00_0000; // the top 16 MiB: above the kernel's pool and heap ranges (kernel-ts/kernel.ts)
export const JIT_ALIAS_MAX = 0x0100_0000;
export const TRAMPOLINE = 16;

export type JitMode = "off" | "lazy" | "eager";

/**
 * The trampolines at jit_base (the JIT region's only bytes in the image file): a function's
 * compiles it and enters it, or, for a function left to the interpreter (`interpreted`), enters
 * its first threaded instruction.
 */
export function emitTrampolines(s: Section, starts: number[], interpreted: (f: number) => boolean): void {
  s.label("jit_base");
  starts.forEach((start, f) => {
    if (interpreted(f)) s.i("mov", "esi", ref("kbc_code", 16 * start)).i("jmp", mem({ base: "esi" }));
    else s.i("mov", "eax", f).jmp("jit_lazy");
    s.align(TRAMPOLINE, 0xcc);
  });
  // Every function's interpreted entry, the same 16 bytes apart: the debugger (emulator/debug/)
  // points jit_code[f] here to run f in the interpreter, where its breakpoints are.
  s.label("jit_interp_entries");
  starts.forEach((start) => { s.i("mov", "esi", ref("kbc_code", 16 * start)).i("jmp", mem({ base: "esi" })).align(TRAMPOLINE, 0xcc); });
}

/** Read-only tables: the stencils' bytes were emitted by the caller; their table and holes. */
export function emitStencilTables(s: Section, stencils: { label: string; size: number; holes: StencilHole[]; twin: boolean }[], sids: Uint16Array): void {
  s.align(4).label("st_table");
  stencils.forEach((st, i) => s.dd(ref(st.label), st.size, ref("st_holes", 4 * holeStart(stencils, i)), (st.holes.length | (st.twin ? PAGED_TWIN : 0)) >>> 0));
  s.label("st_holes");
  for (const st of stencils) {
    for (const h of st.holes) {
      if (h.off > 0xffff || h.add > 0xff || h.size !== (BYTE_HOLES.has(h.kind) ? 1 : 4)) throw new Error(`internal: hole ${h.kind} of ${st.label} cannot be encoded`);
      s.dd((h.off | (HOLE_KINDS.indexOf(h.kind) << 16) | (h.add << 24)) >>> 0);
    }
  }
  s.align(2).label("jit_sid").bytes(new Uint8Array(sids.buffer, sids.byteOffset, sids.byteLength));
}
const holeStart = (st: { holes: unknown[] }[], i: number) => st.slice(0, i).reduce((n, x) => n + x.holes.length, 0);

/**
 * jit_compile (eax = f): compiles f, sets jit_code[f]; preserves every register. jit_lazy (from a
 * trampoline, eax = f): compiles f, then enters it. jit_unmap (eax = an address): the threaded
 * instruction whose compiled code holds it (a trampoline: its function's first), or eax unchanged
 * outside the JIT region. cont_unmap (eax = a continuation): its threaded instruction. Cold code.
 */
export function emitCompiler(s: Section, functions: number): void {
  const V = VM_LABELS;
  const SC = (name: string) => mem({ disp: ref(name) });
  const PCMAP = (r: "eax" | "ebx" | "ecx", add = 0) => mem({ index: r, scale: 4, disp: ref("jit_pcmap", add) });

  // Once compiling has failed (paging on without the alias mapped: see jc_abort), the functions not
  // compiled yet run in the interpreter.
  s.label("jit_lazy").i("cmp", SC("jit_disabled"), 0).jcc("ne", "jit_interpret");
  s.call("jit_compile").i("cmp", SC("jit_disabled"), 0).jcc("ne", "jit_interpret");
  s.i("jmp", mem({ index: "eax", scale: 4, disp: ref("jit_code") }));
  s.label("jit_interpret").i("shl", "eax", 4).i("mov", "esi", mem({ base: "eax", disp: ref(V.ftab) })).i("jmp", mem({ base: "esi" }));

  // A function the debugger pins to the interpreter (jit_pinned[f], with jit_code[f] its
  // interpreted entry) is not compiled.
  s.label("jit_compile").i("cmp", m8({ base: "eax", disp: ref("jit_pinned") }), 0).jcc("ne", "jc_pinned").i("pushad").i("cld").i("mov", SC("jit_esp"), "esp").i("mov", SC("jit_busy"), 1).i("mov", SC("jit_f"), "eax");
  s.i("shl", "eax", 4).i("mov", "esi", mem({ base: "eax", disp: ref(V.ftab) })).i("mov", "edx", mem({ base: "eax", disp: ref(V.ftab, 12) }));
  s.i("mov", SC("jit_endT"), "edx");
  s.i("mov", "ebx", "esi").i("sub", "ebx", ref("kbc_code")).i("shr", "ebx", 4);
  s.i("mov", "ecx", SC("jit_next")).i("add", "ecx", 15).i("and", "ecx", -16);
  // The entry is set first: a call of f to itself becomes a direct jump.
  s.i("mov", "eax", SC("jit_f")).i("mov", mem({ index: "eax", scale: 4, disp: ref("jit_code") }), "ecx");
  // Pass 1: where each instruction's code goes.
  s.i("push", "esi").i("push", "ebx");
  s.label("jc_p1").i("cmp", "esi", "edx").jcc("ae", "jc_p1_done");
  s.i("mov", PCMAP("ebx"), "ecx").call("jc_sid");
  s.i("add", "ecx", mem({ base: "eax", disp: ref("st_table", 4) })).i("add", "esi", 16).i("inc", "ebx").jmp("jc_p1");
  s.label("jc_p1_done").i("mov", "eax", SC("jit_f")).i("mov", mem({ index: "eax", scale: 4, disp: ref("jit_fend") }), "ecx");
  s.i("cmp", "ecx", ref("jit_end")).jcc("a", "jc_full").i("mov", SC("jit_next"), "ecx");
  // jit_fmap: f for each granule of [start, end).
  s.i("mov", "edx", mem({ index: "eax", scale: 4, disp: ref("jit_code") })).i("sub", "ecx", "edx").i("add", "ecx", 15).i("shr", "ecx", 4);
  s.i("mov", "edi", "edx").i("sub", "edi", ref("jit_area")).i("shr", "edi", 3).i("add", "edi", ref("jit_fmap")).i("rep_stosw");
  s.i("pop", "ebx").i("pop", "esi");
  // Pass 2: copy each stencil, fill its holes.
  s.label("jc_p2").i("cmp", "esi", SC("jit_endT")).jcc("ae", "jc_done");
  s.i("mov", SC("jit_T"), "esi").i("mov", SC("jit_pc"), "ebx");
  s.i("mov", "ecx", PCMAP("ebx")).i("mov", SC("jit_D"), "ecx").i("mov", "edi", "ecx").i("add", "edi", SC("jit_wdelta")).i("mov", SC("jit_W"), "edi");
  s.call("jc_sid").i("add", "eax", ref("st_table")).i("mov", SC("jit_st"), "eax");
  s.i("mov", "esi", mem({ base: "eax" })).i("mov", SC("jit_S"), "esi").i("mov", "ecx", mem({ base: "eax", disp: 4 })).i("rep_movsb");
  s.i("mov", "eax", SC("jit_st")).i("mov", "ebx", mem({ base: "eax", disp: 8 })).i("movzx", "ecx", m16({ base: "eax", disp: 12 }));
  s.label("jc_h").i("test", "ecx", "ecx").jcc("e", "jc_h_done");
  s.i("push", "ecx").i("push", "ebx").i("mov", "edx", mem({ base: "ebx" })).i("mov", "esi", SC("jit_T"));
  s.i("movzx", "ecx", "dx").i("mov", "edi", SC("jit_W")).i("add", "edi", "ecx");     // ecx = offset, edi = where the hole is written
  s.i("mov", "ebx", "edx").i("shr", "ebx", 24).i("shr", "edx", 16).i("movzx", "edx", "dl");  // ebx = addend, edx = kind
  s.i("jmp", mem({ index: "edx", scale: 4, disp: ref("jc_kinds") }));
  s.label("jc_store").i("mov", mem({ base: "edi" }), "eax");
  s.label("jc_hnext").i("pop", "ebx").i("pop", "ecx").i("add", "ebx", 4).i("dec", "ecx").jmp("jc_h");
  s.label("jc_h_done").i("mov", "esi", SC("jit_T")).i("mov", "ebx", SC("jit_pc")).i("add", "esi", 16).i("inc", "ebx").jmp("jc_p2");
  s.label("jc_done").i("mov", SC("jit_busy"), 0).i("popad");
  s.label("jc_pinned").i("retnd");
  // A page fault on the writable alias (pf_entry resumes here): the kernel turned paging on without
  // mapping it. f is left uncompiled, and compiling stops for good.
  s.label("jc_abort").i("mov", "esp", SC("jit_esp")).i("mov", "eax", SC("jit_f"));
  s.i("mov", "ecx", "eax").i("shl", "ecx", 4).i("add", "ecx", ref("jit_base"));
  s.i("mov", mem({ index: "eax", scale: 4, disp: ref("jit_code") }), "ecx"); // back to its trampoline: jit_base + 16 f
  s.i("mov", mem({ index: "eax", scale: 4, disp: ref("jit_fend") }), 0); // jit_func finds no code of f
  s.i("mov", SC("jit_disabled"), 1).i("mov", SC("jit_busy"), 0).i("popad").i("retnd");
  s.label("jc_full").i("mov", "ebx", ref("str_jit_full")).call("puts").i("mov", "eax", 3).jmp(V.exit);
  // jc_sid (ebx = pc): eax := 16 × the stencil to copy: jit_sid[pc], or its `_p` twin (the next)
  // once paging is on (WRCR0 set mem_limit to all ones, for good: loads and stores then check
  // only a wrap past 4 GiB).
  s.label("jc_sid").i("movzx", "eax", m16({ index: "ebx", scale: 2, disp: ref("jit_sid") })).i("shl", "eax", 4);
  s.i("test", m8({ base: "eax", disp: ref("st_table", 15) }), PAGED_TWIN >>> 24).jcc("e", "jc_sid_ret");
  s.i("cmp", mem({ disp: ref(V.lim) }), -1).jcc("ne", "jc_sid_ret").i("add", "eax", 16);
  s.label("jc_sid_ret").i("retnd");

  // The hole kinds: esi = T, ecx = the hole's offset, ebx = its addend, edi = where it is written.
  const cases: Record<HoleKind, () => void> = {
    SA: () => slot(4), SB: () => slot(5), SC: () => slot(6),
    A: () => s.i("movzx", "eax", m8({ base: "esi", disp: 4 })),
    B: () => s.i("movzx", "eax", m8({ base: "esi", disp: 5 })),
    C: () => s.i("movzx", "eax", m8({ base: "esi", disp: 6 })),
    I: () => s.i("mov", "eax", mem({ base: "esi", disp: 8 })),
    X: () => s.i("mov", "eax", mem({ base: "esi", disp: 12 })),
    X16: () => s.i("movzx", "eax", m16({ base: "esi", disp: 12 })),
    FIDX: () => s.i("movzx", "eax", m16({ base: "esi", disp: 14 })),
    FRAMEW: () => s.i("movzx", "eax", m16({ base: "esi", disp: 6 })),
    FR: () => s.i("movzx", "eax", m16({ base: "esi", disp: 6 })).i("shl", "eax", 2).i("add", "eax", "ebx"),
    SELF: () => s.i("mov", "eax", "esi"),
    NEXT_T: () => s.i("lea", "eax", mem({ base: "esi", disp: 16, size: 0 })),
    NEXT: () => s.i("mov", "eax", SC("jit_pc")).i("lea", "eax", { ...PCMAP("eax", 4), size: 0 }),
    T_I: () => targetCell(8), T_X: () => targetCell(12),
    // + the addend: a loop's back edge jumps past its head's register loads (boot/loopregs.ts).
    R_I: () => { target(8); s.i("add", "eax", "ebx"); rel(); }, R_X: () => { target(12); s.i("add", "eax", "ebx"); rel(); },
    CALLEE_SLOT: () => s.i("movzx", "eax", m16({ base: "esi", disp: 14 })).i("lea", "eax", mem({ index: "eax", scale: 4, disp: ref("jit_code"), size: 0 })),
    CALLEE_JMP: () => {
      // jmp [jit_code + 4f] (FF 25 disp32), or, when f is compiled already, jmp rel32 (E9) and a nop.
      // (Never direct while a debugger may point jit_code elsewhere: jit_indirect_calls.)
      s.i("movzx", "edx", m16({ base: "esi", disp: 14 })).i("mov", "eax", mem({ index: "edx", scale: 4, disp: ref("jit_code") }));
      s.i("cmp", SC("jit_indirect_calls"), 0).jcc("ne", "jc_indirect");
      s.i("cmp", "eax", ref("jit_area")).jcc("ae", "jc_direct");
      s.label("jc_indirect");
      s.i("lea", "eax", mem({ index: "edx", scale: 4, disp: ref("jit_code"), size: 0 })).jmp("jc_store");
      s.label("jc_direct").i("sub", "eax", SC("jit_D")).i("sub", "eax", "ecx").i("sub", "eax", 3);
      s.i("mov", m8({ base: "edi", disp: -2 }), 0xe9).i("mov", mem({ base: "edi", disp: -1 }), "eax").i("mov", m8({ base: "edi", disp: 3 }), 0x90);
      s.jmp("jc_hnext");
    },
    BRT: () => s.i("mov", "eax", SC("jit_pc")).i("lea", "eax", mem({ index: "eax", scale: 4, disp: ref("jit_pcmap", 4), size: 0 })),
    REL: () => s.i("mov", "eax", mem({ base: "edi" })).i("add", "eax", SC("jit_S")).i("sub", "eax", SC("jit_D")),
    I8: () => s.i("mov", "eax", mem({ base: "esi", disp: 8 })).i("mov", m8({ base: "edi" }), "al").jmp("jc_hnext"),
    PI: () => s.i("mov", "eax", mem({ base: "esi", disp: 8 - 16 })),
    PI8: () => s.i("mov", "eax", mem({ base: "esi", disp: 8 - 16 })).i("mov", m8({ base: "edi" }), "al").jmp("jc_hnext"),
    GADDR: () => s.i("mov", "eax", mem({ base: "esi", disp: 8 })).i("lea", "eax", mem({ index: "eax", scale: 4, disp: ref(VM_LABELS.globals), size: 0 })),
    RESUME: () => s.i("mov", "eax", SC("jit_D")).i("add", "eax", "ecx").i("add", "eax", "ebx"),
    SAX: () => s.i("movzx", "eax", m8({ base: "esi", disp: 4 })).i("movzx", "edx", m16({ base: "esi", disp: 12 })).i("lea", "eax", mem({ base: "edx", index: "eax", scale: 4, size: 0 })).i("add", "eax", "ebx"),
  };
  function slot(field: number): void { s.i("movzx", "eax", m8({ base: "esi", disp: field })).i("shl", "eax", 2).i("add", "eax", "ebx"); }
  /** eax := the pc of the threaded target at [esi + field]. */
  function targetPc(field: number): void { s.i("mov", "eax", mem({ base: "esi", disp: field })).i("sub", "eax", ref("kbc_code")).i("shr", "eax", 4); }
  /** eax := the compiled address of the threaded target at [esi + field]. */
  function target(field: number): void { targetPc(field); s.i("mov", "eax", PCMAP("eax")); }
  /** eax := the jit_pcmap cell of the threaded target at [esi + field] (a continuation). */
  function targetCell(field: number): void { targetPc(field); s.i("lea", "eax", { ...PCMAP("eax"), size: 0 }); }
  /** eax := eax - (D + offset + 4): a rel32 from the hole. */
  function rel(): void { s.i("sub", "eax", SC("jit_D")).i("sub", "eax", "ecx").i("sub", "eax", 4); }
  for (const k of HOLE_KINDS) {
    s.label(`jc_k_${k}`);
    cases[k]();
    if (k !== "CALLEE_JMP" && !BYTE_HOLES.has(k)) s.jmp("jc_store");
  }

  // cont_unmap (eax = a continuation, boot/vm.ts): the threaded instruction it continues at: for a
  // jit_pcmap cell its instruction, for a jit_code cell its function's first; else eax unchanged.
  s.label("cont_unmap").i("cmp", "eax", ref("jit_pcmap")).jcc("b", "cu_code").i("cmp", "eax", ref("jit_fend")).jcc("ae", "cu_code");
  s.i("sub", "eax", ref("jit_pcmap")).i("shl", "eax", 2).i("add", "eax", ref("kbc_code")).i("retnd"); // 4 bytes a cell, 16 an instruction
  s.label("cu_code").i("cmp", "eax", ref("jit_code")).jcc("b", "cu_ret").i("cmp", "eax", ref("jit_code_end")).jcc("ae", "cu_ret");
  s.i("sub", "eax", ref("jit_code")).i("mov", "eax", mem({ index: "eax", scale: 4, disp: ref(V.ftab) })); // 4 bytes a cell, 16 a function-table entry
  s.i("retnd");
  // Any other continuation whose word is compiled code (a load or store's resume, kept at the end
  // of the interrupted frame: boot/traps.ts, jit_irq_mem): the instruction that code belongs to.
  s.label("cu_ret").i("push", "eax").i("mov", "eax", mem({ base: "eax" })).i("cmp", "eax", ref("jit_area")).jcc("b", "cu_other");
  s.i("cmp", "eax", ref("jit_end")).jcc("ae", "cu_other").i("add", "esp", 4).jmp("jit_unmap");
  s.label("cu_other").i("pop", "eax").i("retnd");

  s.label("jit_unmap").i("cmp", "eax", ref("jit_base")).jcc("b", "ju_ret").i("cmp", "eax", ref("jit_end")).jcc("ae", "ju_ret");
  s.i("cmp", "eax", ref("jit_area")).jcc("ae", "ju_code");
  s.i("sub", "eax", ref("jit_base")).i("and", "eax", -TRAMPOLINE); // 16 bytes per trampoline and per ftab entry
  s.i("cmp", "eax", TRAMPOLINE * functions).jcc("b", "ju_tramp").i("sub", "eax", TRAMPOLINE * functions); // an interpreted entry
  s.label("ju_tramp").i("mov", "eax", mem({ base: "eax", disp: ref(V.ftab) }));
  s.label("ju_ret").i("retnd");
  s.label("ju_code").i("push", "ebx").i("push", "ecx").i("push", "edx");
  s.call("jit_func").i("cmp", "ecx", -1).jcc("e", "ju_done");
  // The last instruction of f whose code starts at or below eax.
  s.i("shl", "ecx", 4).i("mov", "ebx", mem({ base: "ecx", disp: ref(V.ftab) })).i("mov", "edx", mem({ base: "ecx", disp: ref(V.ftab, 12) }));
  s.label("ju_scan").i("lea", "ecx", mem({ base: "ebx", disp: 16, size: 0 })).i("cmp", "ecx", "edx").jcc("ae", "ju_got");
  s.i("mov", "ecx", "ebx").i("sub", "ecx", ref("kbc_code")).i("shr", "ecx", 4).i("cmp", PCMAP("ecx", 4), "eax").jcc("a", "ju_got");
  s.i("add", "ebx", 16).jmp("ju_scan");
  s.label("ju_got").i("mov", "eax", "ebx");
  s.label("ju_done").i("pop", "edx").i("pop", "ecx").i("pop", "ebx").i("retnd");
  // jit_func (eax = an address in jit_area): ecx := the function whose compiled code holds it, or
  // -1 (no function's code: past jit_next, or the padding after a function).
  s.label("jit_func").i("mov", "ecx", "eax").i("sub", "ecx", ref("jit_area")).i("shr", "ecx", 4);
  s.i("movzx", "ecx", m16({ index: "ecx", scale: 2, disp: ref("jit_fmap") }));
  s.i("cmp", "eax", mem({ index: "ecx", scale: 4, disp: ref("jit_code") })).jcc("b", "jf_none");
  s.i("cmp", "eax", mem({ index: "ecx", scale: 4, disp: ref("jit_fend") })).jcc("b", "jf_ret");
  s.label("jf_none").i("mov", "ecx", -1);
  s.label("jf_ret").i("retnd");
}

/** The kind dispatch table (read-only). */
export function emitKindTable(s: Section): void {
  s.align(4).label("jc_kinds");
  for (const k of HOLE_KINDS) s.dd(ref(`jc_k_${k}`));
}

/** The compiler's writable words; jit_pcmap and jit_fend are in the bss (see boot/image.ts). */
export function emitJitData(s: Section, functions: number): void {
  s.align(4).label("jit_code");
  for (let f = 0; f < functions; f++) s.dd(ref("jit_base", TRAMPOLINE * f));
  s.label("jit_code_end");
  s.label("jit_next").dd(ref("jit_area"));
  s.label("jit_pinned").bytes(new Uint8Array((functions + 3) & ~3));
  s.label("jit_wdelta").dd(0);
  for (const w of ["jit_indirect_calls", "jit_busy", "jit_disabled", "jit_esp", "jit_f", "jit_endT", "jit_T", "jit_pc", "jit_D", "jit_W", "jit_st", "jit_S"]) s.label(w).dd(0);
}
