// The guest image: a Multiboot v1 ELF32 loaded at 1 MiB that holds the native entry, the x86
// kbc interpreter, the kbc module with its tables, and the module's data segments at their own
// addresses. Units: bytes and physical (= virtual) addresses.
//
//   0x00100000  text    (rx)  Multiboot header, interpreter hot code (handlers), cold code:
//                             entry, vm_call, panic path, exception stubs
//   next page   rodata  (r)   function table, threaded kbc code (boot/vm.ts), line table, strings,
//                             indirect-call table, GDT, IDT
//   next page   data    (rw)  VM globals, VM state words
//   DATA_BASE…  the kbc module's data segments (rw), as asc placed them (0x200000 up)
//   next page   bss     (rw)  native stack 64 KiB, VM control stack, VM slot stack
//
// No writable byte shares a page with code (v86's JIT would discard its translations on every
// write), and the handlers sit in at most 3 pages at the start of the text.

import { Section, assemble, listing, mem, m8, ref, type Encoded } from "./asm.ts";
import { writeElf, type Segment } from "./elf.ts";
import { emitDebugCode, emitDebugData, debugPanicHook, STOP } from "./debug.ts";
import { emitTraps, EXC_NAMES, IDT_VECTORS, TSS_SEL, DF_TSS_SEL } from "./traps.ts";
import { emitInterpreter, VM_LABELS, TI, TI_FRAME, MEMORY_OPS, pagedTwin, type FaultInjection, type InterpreterInfo } from "./vm.ts";
import { handlerVariants, jitVariants, backward } from "./variants.ts";
import { emitStencil, locateStencil, type Stencil, type StencilOps } from "./stencil.ts";
import { emitTrampolines, emitStencilTables, emitCompiler, emitKindTable, emitJitData, JIT_ALIAS, JIT_ALIAS_MAX, type JitMode } from "./jit.ts";
import { OPCODES, TRAP_CODES, VM_STACK_SLOTS, VM_MAX_DEPTH } from "../toolchain/kbc/opcodes.ts";
import { TRAP, KtError } from "../toolchain/errors.ts";
import { displayName, type KbcModule } from "../toolchain/kbc/module.ts";
import type { CompileOptions } from "../toolchain/asc.ts";
import { MAX_FRAMES } from "../toolchain/panic.ts";

export const TEXT_BASE = 0x0010_0000;
/** The compiling tier unless an image is built with another (kt build --jit). */
export const DEFAULT_JIT: JitMode = "lazy";
const PAGE = 4096;
const NATIVE_STACK = 64 * 1024;
const DF_STACK = 4096; // the double-fault task's own stack, below the native stack
const MB_MAGIC = 0x1badb002, MB_FLAGS = 0x2; // bit 1: ask for the memory map
const pageUp = (n: number) => Math.ceil(n / PAGE) * PAGE;

export interface ImageLayout {
  text: { base: number; size: number; hotSize: number };
  rodata: { base: number; size: number };
  /** The JIT region (trampolines, then compiled code) and its writable alias; absent with --jit off. */
  jit?: { base: number; area: number; end: number; alias: number; stencils: number; stencilBytes: number };
  data: { base: number; size: number };
  bss: { base: number; end: number };
  segments: { addr: number; size: number }[];
  /** The least guest memory (bytes) the image needs. */
  memoryBytes: number;
}

export interface Image {
  elf: Uint8Array;
  layout: ImageLayout;
  labels: Map<string, number>;
  sections: Encoded[];
  kbc: KbcModule;
  /** The x86 listing (kt disasm --x86). */
  listing(): string;
}

/** Builds the bootable image of a kernel-ts program. */
export async function buildImage(entry: string, opts: CompileOptions & LinkOptions = {}): Promise<Image> {
  // (Loaded here: the rest of this module runs in the browser too, the playground's worker.)
  const { buildProgram } = await import("../toolchain/build.ts");
  const prog = await buildProgram(entry, opts);
  return linkImage(prog.kbc, entry.slice(entry.replace(/\\/g, "/").lastIndexOf("/") + 1), opts);
}

export interface LinkOptions {
  /** Tests only: make one opcode's handler raise a CPU exception. */
  inject?: FaultInjection;
  /** The compiling tier: off (the interpreter only), lazy (a function compiled at its first call; the default), eager (all at boot). */
  jit?: JitMode;
  /** kt disasm --jit: compile every function (eager) and exit 0 before running any. */
  jitDump?: boolean;
  /** With the compiling tier: functions (by index) that always run in the interpreter. */
  interpreted?: (f: number) => boolean;
  /**
   * A debug image (`kt debug`, docs/debugging.md): compiled code keeps every slot up to date at
   * every instruction boundary, as the interpreter does — no value left only in eax (`_d`, `_c`
   * and `_n`), no loop registers, no safe point folded into loads and stores (`_f`) — and the
   * interpreter takes no operand forwarded in eax (`_e`).
   */
  debug?: boolean;
}


/** Lays out and assembles the image of a verified kbc module. */
export function linkImage(m: KbcModule, name = "kernel", opts: LinkOptions = {}): Image {
  const segEnd = Math.max(0, ...m.data.map((d) => d.addr + d.bytes.length));
  const jit = (opts.jit ?? DEFAULT_JIT) !== "off";
  const nInsn = m.code.length >> 1, nFn = m.functions.length;
  /** The stencils as placed by the first build (their offsets and sizes do not depend on addresses). */
  let located: Stencil[] | undefined;
  /** Each instruction's handler variant and its stencil (computed by the first build). */
  let variants: { interp: string[]; jit: string[] } | undefined;
  const build = (rodataBase: number, jitBase: number, jitArea: number, dataBase: number, bssBase: number) => {
    const dfStackTop = bssBase + DF_STACK;
    const ctlBase = dfStackTop + NATIVE_STACK;
    const ctlEnd = ctlBase + 8 * VM_MAX_DEPTH;
    const stackBase = ctlEnd;
    const stackEnd = stackBase + 4 * VM_STACK_SLOTS;
    // The compiler's maps (bss): an address per instruction, an end per function.
    // ... and the function each 16-byte granule of the compiled code belongs to (u16).
    const pcmap = stackEnd, fend = pcmap + (jit ? 4 * (nInsn + 1) : 0), fmap = fend + (jit ? 4 * nFn : 0);
    const bssEnd = jit ? pageUp(fmap + 2 * (areaBytes >> 4)) : stackEnd;
    const symbols = new Map([["df_stack_top", dfStackTop], ["native_stack_top", ctlBase], ["ctl_base", ctlBase], ["ctl_end_addr", ctlEnd],
      ["vm_stack_base", stackBase], ["vm_stack_end_addr", stackEnd], ["image_end_addr", bssEnd]]);
    if (jit) {
      for (const [k, v] of [["jit_pcmap", pcmap], ["jit_fend", fend], ["jit_fmap", fmap], ["jit_area", jitArea], ["jit_end", jitArea + areaBytes],
        ["jit_alias_delta", (JIT_ALIAS - jitBase) >>> 0], ["jit_size", jitArea + areaBytes - jitBase]] as const) symbols.set(k, v);
    }
    const text = new Section("text", TEXT_BASE);
    const rodata = new Section("rodata", rodataBase);
    const jitSec = new Section("jit", jitBase);
    const data = new Section("data", dataBase);
    const info = emitText(text, m, opts);
    // A debug image's interpreter takes no operand from eax: the debugger may send any compiled
    // frame on in it from any instruction (emulator/debug/session.ts), eax then being lost.
    variants ??= { interp: handlerVariants(m, info, { noForwarding: !!opts.debug }), jit: jit ? jitVariants(m, info, { exact: !!opts.debug }) : [] };
    emitRodata(rodata, m, variants.interp, jit);
    let stencilEmits: { label: string; holeItems: ReturnType<typeof emitStencil>["holeItems"] }[] = [];
    if (jit) {
      // The stencils this program's compiled code uses, each once.
      // A load or store's `_p` twin follows it (boot/jit.ts takes it once paging is on).
      // st_table: each variant, and after it its paged twin if it has one (which may also be a
      // variant of its own, as a backward branch's `_sp` is: its code is emitted once).
      const primary = [...new Set(variants.jit)].sort();
      const entries = primary.flatMap((v) => { const t = pagedTwin(v); return t ? [v, t] : [v]; });
      const list = info.stencils([...new Set(entries)]);
      const byName = new Map(list.map((x, i) => [x.name, i]));
      rodata.align(16).label("stencils");
      stencilEmits = list.map((x) => ({ label: `st_${x.name}`, ...emitStencil(rodata, `st_${x.name}`, x.ops) }));
      const sidOf = new Map<string, number>();
      let at = 0;
      for (const v of primary) { sidOf.set(v, at); at += pagedTwin(v) ? 2 : 1; }
      const sids = Uint16Array.from(variants.jit, (v) => sidOf.get(v)!);
      emitStencilTables(rodata, entries.map((name) => {
        const k = byName.get(name)!;
        return { label: `st_${name}`, size: located?.[k].size ?? 0, holes: located?.[k].holes ?? new Array(countHoles(list[k].ops)).fill({ off: 0, kind: "REL", add: 0, size: 4 }), twin: !!pagedTwin(name) };
      }), sids);
      emitTrampolines(jitSec, m.functions.map((f) => f.start), opts.interpreted ?? (() => false));
      emitKindTable(rodata);
      rodata.label("jit_interpreted").bytes(m.functions.map((_, f) => (opts.interpreted?.(f) ? 1 : 0)));
    }
    emitData(data, m); // first: data_start is the section's start
    emitDebugData(data);
    if (jit) emitJitData(data, nFn);
    const out = assemble([text, rodata, jitSec, data], symbols);
    const stencils = stencilEmits.map((e) => locateStencil(out.sections[1], out.labels, rodata, e.label, e.holeItems));
    return { out, bssEnd, stencils, info };
  };
  let areaBytes = 0;
  // Pass 1 at provisional addresses measures the sections (their sizes do not depend on addresses).
  const first = build(0x0800_0000, 0x0880_0000, 0x0880_1000, 0x0900_0000, 0x0a00_0000);
  const [t1, r1, j1, d1] = first.out.sections;
  if (jit) {
    located = first.stencils;
    // Room for every function compiled, each 16-aligned: it can never run out.
    const byName = new Map(located.map((x) => [x.name, x.size]));
    // Either twin may be compiled (boot/jit.ts): the larger one counts.
    const sizes = variants!.jit.map((v) => { const t = pagedTwin(v); return Math.max(byName.get(`st_${v}`)!, t ? byName.get(`st_${t}`)! : 0); });
    areaBytes = pageUp(m.functions.reduce((n, f) => n + 16 + sizes.slice(f.start, f.start + f.length).reduce((a, b) => a + b, 0), 0));
  }
  if (jit && j1.bytes.length + areaBytes + PAGE > JIT_ALIAS_MAX) throw new KtError(`${name}: error: the compiled code would need more than ${JIT_ALIAS_MAX >> 20} MiB; build with --jit off`);
  const rodataBase = pageUp(TEXT_BASE + t1.bytes.length);
  const jitBase = pageUp(rodataBase + r1.bytes.length);
  const jitArea = jit ? pageUp(jitBase + j1.bytes.length) : jitBase;
  const dataBase = jit ? jitArea + areaBytes : jitBase;
  const dataEnd = dataBase + d1.bytes.length;
  const low = Math.min(...m.data.map((d) => d.addr));
  if (m.data.length && low < pageUp(dataEnd)) {
    throw new KtError(`${name}: error: the image (up to 0x${dataEnd.toString(16)}) overlaps the program's data at 0x${low.toString(16)}`);
  }
  const bssBase = pageUp(Math.max(dataEnd, segEnd));
  const { out, bssEnd, stencils } = build(rodataBase, jitBase, jitArea, dataBase, bssBase);
  const [text, rodata, jitSec, data] = out.sections;
  if (jit && JSON.stringify(stencils.map((x) => [x.size, x.holes])) !== JSON.stringify(located!.map((x) => [x.size, x.holes]))) {
    throw new Error("internal: the stencils changed between the image's two builds");
  }
  const labels = out.labels;
  const hotSize = labels.get("hot_end")! - labels.get("hot_start")!;
  const segments: Segment[] = [
    { addr: text.base, bytes: text.bytes, flags: "rx" },
    { addr: rodata.base, bytes: rodata.bytes, flags: "r" },
    ...(jit ? [{ addr: jitSec.base, bytes: jitSec.bytes, memSize: jitArea + areaBytes - jitSec.base, flags: "rx" as const }] : []),
    { addr: data.base, bytes: data.bytes, flags: "rw" },
    ...mergeData(m.data).map((d) => ({ addr: d.addr, bytes: d.bytes, flags: "rw" as const })),
    { addr: bssBase, bytes: new Uint8Array(0), memSize: bssEnd - bssBase, flags: "rw" }, // stacks: zeroed, not in the file
  ];
  const elf = writeElf(segments, labels.get("entry")!);
  const layout: ImageLayout = {
    text: { base: text.base, size: text.bytes.length, hotSize },
    rodata: { base: rodata.base, size: rodata.bytes.length },
    ...(jit ? { jit: { base: jitBase, area: jitArea, end: jitArea + areaBytes, alias: JIT_ALIAS, stencils: stencils.length, stencilBytes: stencils.reduce((n, x) => n + x.size, 0) } } : {}),
    data: { base: data.base, size: data.bytes.length },
    bss: { base: bssBase, end: bssEnd },
    segments: m.data.map((d) => ({ addr: d.addr, size: d.bytes.length })),
    memoryBytes: bssEnd,
  };
  return { elf, layout, labels, sections: out.sections, kbc: m, listing: () => listing(out.sections, labels) };
}

/**
 * The program's data segments (asc emits one per static: hundreds for a kernel with many strings)
 * as few ranges: segments less than a page apart are joined, the gap zero-filled (as linear memory
 * starts zeroed).
 */
function mergeData(data: { addr: number; bytes: Uint8Array }[]): { addr: number; bytes: Uint8Array }[] {
  const sorted = [...data].sort((a, b) => a.addr - b.addr);
  const out: { addr: number; parts: { addr: number; bytes: Uint8Array }[]; end: number }[] = [];
  for (const d of sorted) {
    const last = out[out.length - 1];
    if (last && d.addr >= last.end && d.addr - last.end < PAGE) { last.parts.push(d); last.end = d.addr + d.bytes.length; }
    else out.push({ addr: d.addr, parts: [d], end: d.addr + d.bytes.length });
  }
  return out.map((r) => {
    const bytes = new Uint8Array(r.end - r.addr);
    for (const p of r.parts) bytes.set(p.bytes, p.addr - r.addr);
    return { addr: r.addr, bytes };
  });
}

/** Multiboot header, the interpreter (hot), then entry, VM entry/exit and the panic path (cold). */
function emitText(s: Section, m: KbcModule, opts: LinkOptions): InterpreterInfo {
  const jit = (opts.jit ?? DEFAULT_JIT) !== "off";
  s.dd(MB_MAGIC, MB_FLAGS, (-(MB_MAGIC + MB_FLAGS)) >>> 0);
  s.align(16, 0x90).label("hot_start");
  const info = emitInterpreter(s, { inject: opts.inject, jit });
  s.label("hot_end");

  // Entry: flat GDT, segments, IDT, COM1, memory size; then the start function and kmain.
  s.align(16, 0x90).label("entry");
  s.i("cli").i("mov", "esp", ref("native_stack_top")).i("mov", mem({ disp: ref("mb_info") }), "ebx");
  s.i("lgdt", mem({ disp: ref("gdt_desc"), size: 0 })).farJmp(0x08, "reload_cs");
  s.label("reload_cs").i("mov", "eax", 0x10);
  for (const sr of ["ds", "es", "ss", "fs", "gs"] as const) s.i("mov", sr, "ax");
  s.i("lidt", mem({ disp: ref("idt_desc"), size: 0 })).i("mov", "ax", TSS_SEL).i("ltr", "ax");
  // COM1: 115200 baud, 8N1, FIFO on.
  for (const [port, v] of [[0x3f9, 0], [0x3fb, 0x80], [0x3f8, 1], [0x3f9, 0], [0x3fb, 3], [0x3fa, 0xc7], [0x3fc, 0x0b]]) {
    s.i("mov", "dx", port).i("mov", "al", v).i("out", "dx", "al");
  }
  s.call("probe_memory");
  if ((opts.jit ?? DEFAULT_JIT) === "eager") {
    // Every function compiled before any runs.
    s.i("xor", "eax", "eax");
    s.label("eager_loop").i("cmp", "eax", m.functions.length).jcc("ae", "eager_done");
    s.i("cmp", m8({ base: "eax", disp: ref("jit_interpreted") }), 0).jcc("ne", "eager_next").call("jit_compile");
    s.label("eager_next").i("inc", "eax").jmp("eager_loop");
    s.label("eager_done");
    if (opts.jitDump) s.i("xor", "eax", "eax").jmp(VM_LABELS.exit);
  }
  if (m.start >= 0) s.i("mov", "eax", m.start).call("vm_call");
  s.i("mov", "eax", m.entry).call("vm_call");
  s.i("xor", "eax", "eax").jmp(VM_LABELS.exit);

  // probe_memory: mem_limit := end of the highest available region of the Multiboot map, rounded
  // up to a MiB — the bound the VM checks every load and store against, as the host runners do.
  s.label("probe_memory").i("pushad").i("mov", "ebx", mem({ disp: ref("mb_info") })).i("xor", "edx", "edx");
  s.i("test", mem({ base: "ebx" }), 0x40).jcc("e", "probe_default");
  s.i("mov", "esi", mem({ base: "ebx", disp: 48 })).i("mov", "ecx", mem({ base: "ebx", disp: 44 })).i("add", "ecx", "esi");
  s.label("probe_loop").i("cmp", "esi", "ecx").jcc("ae", "probe_done");
  s.i("cmp", mem({ base: "esi", disp: 20 }), 1).jcc("ne", "probe_next");
  s.i("cmp", mem({ base: "esi", disp: 8 }), 0).jcc("ne", "probe_next");
  s.i("mov", "eax", mem({ base: "esi", disp: 4 })).i("add", "eax", mem({ base: "esi", disp: 12 })).jcc("b", "probe_next");
  s.i("cmp", "eax", "edx").jcc("be", "probe_next").i("mov", "edx", "eax");
  s.label("probe_next").i("mov", "eax", mem({ base: "esi" })).i("lea", "esi", mem({ base: "esi", index: "eax", scale: 1, disp: 4, size: 0 })).jmp("probe_loop");
  s.label("probe_default").i("mov", "edx", 16 << 20);
  // RAM comes in whole MiB; QEMU reserves its top 128 KiB for ACPI tables, but that is RAM too.
  s.label("probe_done").i("add", "edx", 0xfffff).i("and", "edx", 0xfff00000 | 0);
  for (const [k, sub] of [[0, 1], [4, 2], [8, 4], [12, 0]]) {
    s.i("mov", "eax", "edx").i("sub", "eax", sub).i("mov", mem({ disp: ref(VM_LABELS.lim, k) }), "eax");
  }
  // Compiled code's bound: below it a 4-byte access is in memory (interrupts are still off).
  s.i("sub", "edx", 3).i("mov", mem({ disp: ref(VM_LABELS.jitLimNorm) }), "edx").i("mov", mem({ disp: ref(VM_LABELS.jitLim) }), "edx");
  s.i("popad").i("retnd");

  // vm_call(eax = function index): runs it on a fresh VM stack; returns when it returns.
  // vm_reenter(eax = code address, ecx = frame base): runs a function from native code in the
  // middle of the VM's work (the page-fault handler), its frame at ecx above the current one and
  // its control entries above edi. Both save the previous native esp and control floor, so they
  // nest, and push an entry whose continuation is vm_return (vm_floor_cont): the outermost frame's
  // RET comes back through it, and the floor is above it.
  s.label("vm_call").i("pushad").i("push", mem({ disp: ref("vm_saved_esp") })).i("push", mem({ disp: ref(VM_LABELS.ctlFloor) }));
  s.i("mov", mem({ disp: ref("vm_saved_esp") }), "esp");
  s.i("mov", "ebp", ref("vm_stack_base")).i("mov", "edi", ref("ctl_base"));
  s.i("mov", mem({ base: "edi" }), ref(VM_LABELS.floorEntry)).i("add", "edi", 8).i("mov", mem({ disp: ref(VM_LABELS.ctlFloor) }), "edi");
  if (jit) s.i("lea", "esi", mem({ index: "eax", scale: 4, disp: ref("jit_code"), size: 0 })).i("jmp", mem({ base: "esi" })); // its entry
  else s.i("shl", "eax", 4).i("mov", "esi", mem({ base: "eax", disp: ref(VM_LABELS.ftab) })).i("jmp", mem({ base: "esi" }));
  s.label("vm_reenter").i("pushad").i("push", mem({ disp: ref("vm_saved_esp") })).i("push", mem({ disp: ref(VM_LABELS.ctlFloor) }));
  s.i("mov", mem({ disp: ref("vm_saved_esp") }), "esp");
  s.i("lea", "edx", mem({ base: "edi", disp: 8, size: 0 })).i("cmp", "edx", mem({ disp: ref(VM_LABELS.ctlEnd) })).jcc("a", "reenter_overflow");
  s.i("mov", mem({ base: "edi" }), ref(VM_LABELS.floorEntry)).i("mov", mem({ base: "edi", disp: 4 }), "ebp").i("mov", "edi", "edx");
  s.i("mov", mem({ disp: ref(VM_LABELS.ctlFloor) }), "edi");
  s.i("mov", "ebp", "ecx").i("mov", "esi", "eax").i("jmp", mem({ base: "esi" }));
  s.label("reenter_overflow").i("mov", "eax", TRAP_CODES.indexOf("STACK")).jmp(VM_LABELS.trap);
  s.label(VM_LABELS.ret).i("mov", "esp", mem({ disp: ref("vm_saved_esp") }));
  s.i("pop", mem({ disp: ref(VM_LABELS.ctlFloor) })).i("pop", mem({ disp: ref("vm_saved_esp") })).i("popad").i("retnd");

  // vm_exit(eax = code): drain COM1, then its 4 bytes to QEMU's debug console (port 0xE9: QEMU's exit status keeps
  // only 7 bits of it), then the code to port 0xF4 (the v86 host / QEMU isa-debug-exit); stop.
  // First let COM1 finish sending (line status bit 6, transmitter empty; bounded in case there
  // is no UART): QEMU's UART sends from its FIFO on a timer, and an exit would cut the tail off.
  s.label(VM_LABELS.exit).i("mov", "ebx", "eax").i("mov", "dx", 0x3fd).i("mov", "ecx", 1 << 20);
  s.label("exit_drain").i("in", "al", "dx").i("test", "al", 0x40).jcc("ne", "exit_drained").i("dec", "ecx").jcc("ne", "exit_drain");
  s.label("exit_drained").i("mov", "eax", "ebx").i("mov", "dx", 0xe9).i("mov", "ecx", 4);
  s.label("exit_bytes").i("out", "dx", "al").i("ror", "eax", 8).i("dec", "ecx").jcc("ne", "exit_bytes");
  s.i("mov", "dx", 0xf4).i("out", "dx", "eax").i("cli");
  s.label("halt_forever").i("hlt").jmp("halt_forever");

  // Serial output helpers (they preserve every register).
  s.label("putc").i("push", "edx").i("push", "eax").i("mov", "dx", 0x3fd);
  s.label("putc_wait").i("in", "al", "dx").i("test", "al", 0x20).jcc("e", "putc_wait");
  s.i("pop", "eax").i("mov", "dx", 0x3f8).i("out", "dx", "al").i("pop", "edx").i("retnd");
  s.label("puts").i("push", "eax").i("push", "ebx"); // ebx = zero-terminated string
  s.label("puts_loop").i("mov", "al", m8({ base: "ebx" })).i("test", "al", "al").jcc("e", "puts_done").call("putc").i("inc", "ebx").jmp("puts_loop");
  s.label("puts_done").i("pop", "ebx").i("pop", "eax").i("retnd");
  s.label("putdec").i("push", "eax").i("push", "edx").i("push", "ecx"); // eax = unsigned value
  s.i("xor", "edx", "edx").i("mov", "ecx", 10).i("div", "ecx").i("test", "eax", "eax").jcc("e", "putdec_last").call("putdec");
  s.label("putdec_last").i("mov", "al", "dl").i("add", "al", 48).call("putc").i("pop", "ecx").i("pop", "edx").i("pop", "eax").i("retnd");
  s.label("puthex").i("push", "eax").i("push", "ecx").i("push", "edx").i("mov", "edx", "eax"); // eax = value, as 0x%08x
  s.i("mov", "al", 48).call("putc").i("mov", "al", 120).call("putc").i("mov", "ecx", 8);
  s.label("puthex_loop").i("rol", "edx", 4).i("mov", "eax", "edx").i("and", "eax", 15).i("cmp", "eax", 10).jcc("b", "puthex_digit").i("add", "eax", 39);
  s.label("puthex_digit").i("add", "eax", 48).call("putc").i("dec", "ecx").jcc("ne", "puthex_loop");
  s.i("pop", "edx").i("pop", "ecx").i("pop", "eax").i("retnd");
  const puts = (label: string) => s.i("mov", "ebx", ref(label)).call("puts");
  const putc = (c: string) => s.i("mov", "al", c.charCodeAt(0)).call("putc");

  // put_as_string(eax = AssemblyScript string): prints it; CF set (nothing printed) if invalid.
  s.label("put_as_string").i("pushad").i("cmp", "eax", 4).jcc("b", "pas_bad");
  s.i("mov", "ecx", mem({ base: "eax", disp: -4 })).i("cmp", "ecx", 4096).jcc("a", "pas_bad").i("shr", "ecx", 1).i("mov", "ebx", "eax");
  s.label("pas_loop").i("test", "ecx", "ecx").jcc("e", "pas_ok").i("mov", "al", m8({ base: "ebx" })).call("putc").i("add", "ebx", 2).i("dec", "ecx").jmp("pas_loop");
  s.label("pas_ok").i("popad").i("clc").i("retnd");
  s.label("pas_bad").i("popad").i("stc").i("retnd");

  // find_func(eax = kbc pc address) → ebx = its function-table entry, or 0.
  s.label("find_func").i("push", "ecx").i("mov", "ebx", ref(VM_LABELS.ftab)).i("mov", "ecx", m.functions.length);
  s.label("ff_loop").i("test", "ecx", "ecx").jcc("e", "ff_none");
  s.i("cmp", "eax", mem({ base: "ebx" })).jcc("b", "ff_next").i("cmp", "eax", mem({ base: "ebx", disp: 12 })).jcc("b", "ff_done");
  s.label("ff_next").i("add", "ebx", 16).i("dec", "ecx").jmp("ff_loop");
  s.label("ff_none").i("xor", "ebx", "ebx");
  s.label("ff_done").i("pop", "ecx").i("retnd");

  // put_location(eax = kbc pc address): "file.ts:line", or "?" (the host's lineAt rules).
  s.label("put_location").i("pushad").call("find_func").i("mov", "edx", "ebx");
  s.i("mov", "esi", ref("line_table")).i("mov", "ecx", m.lines.length).i("xor", "edi", "edi");
  s.label("pl_loop").i("test", "ecx", "ecx").jcc("e", "pl_found").i("cmp", mem({ base: "esi" }), "eax").jcc("a", "pl_found");
  s.i("mov", "edi", "esi").i("add", "esi", 12).i("dec", "ecx").jmp("pl_loop");
  s.label("pl_found").i("test", "edi", "edi").jcc("e", "pl_unknown").i("cmp", mem({ base: "edi", disp: 8 }), 0).jcc("e", "pl_unknown");
  s.i("test", "edx", "edx").jcc("e", "pl_print").i("mov", "eax", mem({ base: "edi" })).i("cmp", "eax", mem({ base: "edx" })).jcc("b", "pl_unknown");
  s.label("pl_print").i("mov", "ebx", mem({ base: "edi", disp: 4 })).call("puts"); putc(":");
  s.i("mov", "eax", mem({ base: "edi", disp: 8 })).call("putdec").i("popad").i("retnd");
  s.label("pl_unknown"); putc("?"); s.i("popad").i("retnd");

  // put_frame(eax = kbc pc address): "  at fn (file.ts:line)\n".
  s.label("put_frame").i("pushad"); puts("str_at");
  s.call("find_func").i("test", "ebx", "ebx").jcc("e", "pf_noname");
  s.i("sub", "ebx", ref(VM_LABELS.ftab)).i("shr", "ebx", 2).i("mov", "ebx", mem({ base: "ebx", disp: ref("fname_table") })).call("puts").jmp("pf_loc");
  s.label("pf_noname"); putc("?");
  s.label("pf_loc"); puts("str_open"); s.call("put_location"); puts("str_close"); s.i("popad").i("retnd");

  // put_backtrace: the current frame (esi), then every caller on the control stack (edi).
  s.label("put_backtrace").i("pushad").i("mov", "eax", "esi").call("put_frame").i("mov", "edx", 1);
  s.i("mov", "ecx", "edi").i("cmp", "ecx", mem({ disp: ref(VM_LABELS.ctlFloor) })).jcc("b", "bt_done").i("cmp", "ecx", mem({ disp: ref(VM_LABELS.ctlEnd) })).jcc("a", "bt_done"); // this thread's control stack
  s.label("bt_loop").i("cmp", "ecx", mem({ disp: ref(VM_LABELS.ctlFloor) })).jcc("be", "bt_done");
  s.i("cmp", "edx", MAX_FRAMES).jcc("ae", "bt_more");
  s.i("sub", "ecx", 8).i("mov", "eax", mem({ base: "ecx" }));
  if (jit) s.call("cont_unmap"); // a return into compiled code: the threaded instruction after the call
  s.i("cmp", "eax", ref("irqret_insn")).jcc("e", "bt_irq");
  s.i("sub", "eax", TI.size).call("put_frame").i("inc", "edx").jmp("bt_loop");
  // An interrupt frame: the entry below holds where the interrupted code was going (not a return address).
  s.label("bt_irq"); puts("str_irq");
  s.i("cmp", "ecx", mem({ disp: ref(VM_LABELS.ctlFloor) })).jcc("be", "bt_done");
  s.i("sub", "ecx", 8).i("mov", "eax", mem({ base: "ecx" }));
  if (jit) s.call("cont_unmap");
  s.call("put_frame").i("inc", "edx").jmp("bt_loop");
  s.label("bt_more"); puts("str_more");
  s.label("bt_done").i("popad").i("retnd");

  // vm_trap(eax = trap code, esi = the trapping instruction).
  s.label(VM_LABELS.trap); debugPanicHook(s, STOP.trap, "trap_report"); puts("str_panic");
  s.i("mov", "ebx", mem({ index: "eax", scale: 4, disp: ref("trap_names") })).call("puts"); puts("str_at_loc");
  s.i("mov", "eax", "esi").call("put_location"); putc("\n");
  s.call("put_backtrace").i("mov", "eax", 3).jmp(VM_LABELS.exit);

  // vm_abort(eax = address of abort's 4 argument slots: msg, file, line, col).
  s.label(VM_LABELS.abort); debugPanicHook(s, STOP.abort, "abort_report"); s.i("mov", "edx", "eax"); puts("str_panic");
  s.i("mov", "eax", mem({ base: "edx" })).call("put_as_string").jcc("ae", "abort_msg_ok"); puts("str_assert");
  s.label("abort_msg_ok"); puts("str_at_loc");
  s.i("mov", "eax", mem({ base: "edx", disp: 4 })).call("put_as_string").jcc("b", "abort_no_file"); putc(":");
  s.i("mov", "eax", mem({ base: "edx", disp: 8 })).call("putdec").jmp("abort_tail");
  s.label("abort_no_file").i("mov", "eax", "esi").call("put_location");
  s.label("abort_tail"); putc("\n"); s.call("put_backtrace").i("mov", "eax", 3).jmp(VM_LABELS.exit);

  emitTraps(s, jit);
  emitDebugCode(s);
  if (jit) emitCompiler(s, m.functions.length);
  return info;
}

/** How many holes a stencil's ops make: hole operands, rel32 holes, and jumps out of it. */
function countHoles(ops: StencilOps): number {
  const labels = new Set(ops.flatMap((o) => (o.t === "label" ? [o.name] : [])));
  let n = 0;
  for (const o of ops) {
    if (o.t === "hjmp" || o.t === "hjcc") n++;
    else if ((o.t === "jmp" || o.t === "jcc" || o.t === "call") && !labels.has(o.target) && o.target !== "@end") n++;
    else if (o.t === "i") n += o.ops.filter((x) => typeof x === "object" && ("hole" in x || ("mem" in x && typeof x.disp === "object" && "hole" in x.disp))).length;
  }
  return n;
}

/** The kbc module in the guest's threaded form (see boot/vm.ts): handler addresses, absolute targets. */
function threadedCode(m: KbcModule, addr: (label: string) => number, variants: string[], jit: boolean): Uint8Array {
  const n = m.code.length >> 1;
  const out = new Uint8Array(TI.size * n);
  const dv = new DataView(out.buffer);
  const base = addr("kbc_code");
  const frameOf = new Uint16Array(n); // frame slots of the function holding each instruction
  for (const f of m.functions) frameOf.fill(f.frameSize, f.start, f.start + f.length);
  for (let pc = 0; pc < n; pc++) {
    const w = m.code[2 * pc], I = m.code[2 * pc + 1], op = OPCODES[w & 0xff];
    const p = TI.size * pc;
    let i = I, x = 0;
    if (op.format[3] === "t") i = base + TI.size * (pc + 1 + I);
    if (op.format[1] === "s") x = base + TI.size * (pc + 1 + (w >> 16));
    // A call: the callee's code and frame bytes; with the compiling tier X's high word is its index.
    if (op.name === "CALL") { i = base + TI.size * m.functions[I].start; x = 4 * m.functions[I].frameSize + (jit ? I << 16 : 0); }
    const sp = backward(m, pc);
    dv.setUint32(p, addr(variants[pc]), true);
    out[p + TI.A] = (w >>> 8) & 0xff; out[p + TI.B] = (w >>> 16) & 0xff; out[p + TI.C] = w >>> 24;
    // The frame's size where an interrupt may be delivered: a backward branch; with the compiling
    // tier a load or store too (boot/vm.ts, safePointStub; its C is unused).
    if (sp || (jit && MEMORY_OPS.has(op.name))) dv.setUint16(p + TI_FRAME, frameOf[pc], true);
    dv.setUint32(p + TI.I, i >>> 0, true);
    dv.setUint32(p + TI.X, x >>> 0, true);
  }
  return out;
}

function cstr(s: Section, label: string, text: string): void {
  s.label(label).bytes([...Array.from(text, (c) => c.charCodeAt(0) & 0xff), 0]); // latin1
}

/** Read-only tables: functions, threaded kbc code, lines, names, GDT/IDT, messages. */
function emitRodata(s: Section, m: KbcModule, variants: string[], jit: boolean): void {
  // kernel.image_layout: read-only part [text, end of rodata and the JIT region), writable part
  // [data, image_end), then the JIT region [base, end) and the address of its writable alias
  // (zeros without the compiling tier): a kernel that turns paging on maps the alias writable;
  // last, where compiled functions start (the first one compiled).
  s.label("image_layout").dd(TEXT_BASE, ref("data_start"), ref("data_start"), ref("image_end_addr")); // data starts on the page after rodata
  if (jit) s.dd(ref("jit_base"), ref("jit_end"), JIT_ALIAS, ref("jit_area")); else s.dd(0, 0, 0, 0);
  const at = (pc: number) => ref("kbc_code", TI.size * pc);
  s.label(VM_LABELS.ftab);
  m.functions.forEach((f) => s.dd(at(f.start), 4 * f.frameSize, f.type, at(f.start + f.length)));
  s.label(VM_LABELS.itabLen).dd(m.table.length);
  s.label(VM_LABELS.itab);
  for (const t of m.table) s.dd(t < 0 ? -1 : t);
  s.label("fname_table");
  m.functions.forEach((_, i) => s.dd(ref(`fname_${i}`)));
  s.label("line_table");
  for (const l of m.lines) s.dd(at(l.pc), l.line ? ref(`file_${l.file}`) : 0, l.line);
  s.align(16).label("kbc_code").computed(TI.size * (m.code.length >> 1), (addr) => threadedCode(m, addr, variants, jit));
  s.label("kbc_code_end");
  s.label("irqret_insn").dd(ref("op_IRQRET"), 0, 0, 0); // where interrupt handlers return (irq_enter)
  s.label(VM_LABELS.floorEntry).dd(ref(VM_LABELS.ret)); // the continuation below every floor (vm_call)
  m.functions.forEach((f, i) => cstr(s, `fname_${i}`, displayName(f.name)));
  m.strings.forEach((str, i) => cstr(s, `file_${i}`, str));
  s.align(4).label("trap_names");
  TRAP_CODES.forEach((_, i) => s.dd(ref(`trap_${i}`)));
  s.dd(ref("trap_illegal"));
  TRAP_CODES.forEach((c, i) => cstr(s, `trap_${i}`, TRAP[c]));
  cstr(s, "trap_illegal", "illegal opcode");
  s.align(4).label("exc_names");
  for (let v = 0; v < 32; v++) s.dd(ref(`excname_${v}`));
  for (let v = 0; v < 32; v++) cstr(s, `excname_${v}`, EXC_NAMES[v] ?? "reserved");
  for (const [l, t] of [["str_panic", "PANIC: "], ["str_at_loc", " at "], ["str_at", "  at "], ["str_open", " ("], ["str_close", ")\n"],
    ["str_more", "  ...\n"], ["str_assert", "assertion failed"], ["str_cpu", "CPU exception "], ["str_vector", " (vector "],
    ["str_errcode", ", error code "], ["str_cr2", ", CR2 "], ["str_irq", "  -- interrupt --\n"],
    ["str_pf_read", " [read, "], ["str_pf_write", " [write, "], ["str_pf_fetch", " [instruction fetch, "], ["str_pf_np", "not present]"], ["str_pf_prot", "protection]"],
    ["str_jit_full", "PANIC: the JIT region is full\n"]]) cstr(s, l, t);
  s.align(8).label("idt").computed(IDT_VECTORS * 8, (addr) => {
    const b = new Uint8Array(IDT_VECTORS * 8); const dv = new DataView(b.buffer);
    for (let v = 0; v < IDT_VECTORS; v++) {
      if (v === 8) { dv.setUint16(8 * v + 2, DF_TSS_SEL, true); dv.setUint16(8 * v + 4, 0x8500, true); continue; } // task gate
      const a = addr(v < 32 ? `exc_${v}` : `irq_${v - 32}`);
      dv.setUint16(8 * v, a & 0xffff, true); dv.setUint16(8 * v + 2, 0x08, true);
      dv.setUint16(8 * v + 4, 0x8e00, true); dv.setUint16(8 * v + 6, a >>> 16, true);
    }
    return b;
  });
  s.label("idt_desc").computed(6, (addr) => { const b = new Uint8Array(6); const dv = new DataView(b.buffer); dv.setUint16(0, IDT_VECTORS * 8 - 1, true); dv.setUint32(2, addr("idt"), true); return b; });
}

/** A 32-bit TSS descriptor (type 9, available) for the 104-byte TSS at `label`. */
const tssDescriptor = (addr: (l: string) => number, label: string): number[] => {
  const a = addr(label);
  return [103, 0, a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff, 0x89, 0, a >>> 24];
};

/** Writable VM state, and the descriptor tables the CPU writes to (busy bits of task switches). */
function emitData(s: Section, m: KbcModule): void {
  s.label("data_start");
  // GDT: null, flat code 0x08, flat data 0x10, the kernel's TSS 0x18, the double-fault TSS 0x20.
  s.align(8).label("gdt").bytes([0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0]);
  s.computed(16, (addr) => new Uint8Array([...tssDescriptor(addr, "main_tss"), ...tssDescriptor(addr, "df_tss")]));
  s.label("gdt_desc").computed(6, (addr) => { const b = new Uint8Array(6); const dv = new DataView(b.buffer); dv.setUint16(0, 39, true); dv.setUint32(2, addr("gdt"), true); return b; });
  // Task state: the kernel's (where a task switch saves the interrupted state) and the double-fault
  // task's: eip df_entry on its own stack, flat segments, CR3 kept current by WRCR3.
  s.align(4).label("main_tss").computed(104, () => { const b = new Uint8Array(104); new DataView(b.buffer).setUint16(0x66, 104, true); return b; });
  s.label("df_tss").computed(104, (addr) => {
    const b = new Uint8Array(104), dv = new DataView(b.buffer);
    dv.setUint32(0x20, addr("df_entry"), true); dv.setUint32(0x24, 2, true); dv.setUint32(0x38, addr("df_stack_top"), true);
    for (const [off, sel] of [[0x48, 0x10], [0x4c, 0x08], [0x50, 0x10], [0x54, 0x10], [0x58, 0x10], [0x5c, 0x10]]) dv.setUint16(off, sel, true);
    dv.setUint16(0x66, 104, true);
    return b;
  });
  s.label(VM_LABELS.globals);
  for (const g of m.globals) s.dd(g);
  s.label(VM_LABELS.lim).dd(0, 0, 0, 0);
  s.label(VM_LABELS.stackEnd).dd(ref("vm_stack_end_addr"));
  s.label(VM_LABELS.ctlEnd).dd(ref("ctl_end_addr"));
  s.label(VM_LABELS.ctlFloor).dd(0);
  s.label(VM_LABELS.irqDeliver).dd(0);
  s.label(VM_LABELS.callLimit).dd(ref("vm_stack_end_addr"));
  s.label(VM_LABELS.jitLim).dd(0);
  s.label(VM_LABELS.jitLimNorm).dd(0);
  s.label(VM_LABELS.irqPending).dd(0);
  s.label(VM_LABELS.irqBlocked).dd(0);
  s.label(VM_LABELS.irqFn).dd(0, 0);
  s.label(VM_LABELS.irqCounts).dd(...new Array(16).fill(0));
  s.label(VM_LABELS.faultFn).dd(0, 0);
  s.label("fault_active").dd(0);
  s.label(VM_LABELS.stringRegs).dd(0, 0, 0);
  s.label("vm_saved_esp").dd(0);
  s.label("mb_info").dd(0);
}
