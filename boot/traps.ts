// The guest's interrupt and exception entry points, in x86 (cold code of the image's text):
// irq_enter, which calls the kernel-ts interrupt handler at a VM safe point; the IRQ stubs that
// latch lines; the double-fault task's entry; the CPU exception stubs; the page-fault path into the
// kernel-ts fault handler; and exc_common, the CPU-exception panic. See docs/boot.md (Interrupts,
// Page faults and the double fault). Units: bytes, vectors, IRQ lines.

import { Section, mem, ref } from "./asm.ts";
import { VM_LABELS, setDelivery } from "./vm.ts";
import { TRAP_CODES } from "../toolchain/kbc/opcodes.ts";
import { JIT_ALIAS } from "./jit.ts";
import { debugPanicHook } from "./debug.ts";
import { DEBUG_LINE, STOP } from "./abi.ts";

export { EXC_NAMES } from "./abi.ts";
/** GDT selectors of the kernel's TSS and the double-fault task's. */
export const TSS_SEL = 0x18, DF_TSS_SEL = 0x20;
/** CPU exceptions 0..31, then IRQs 0..15 at 32..47 (where the kernel remaps the PICs). */
export const IDT_VECTORS = 48;
const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

/** Emits the entry points; they use the panic helpers of boot/image.ts (puts, putc, puthex, putdec, put_location, put_backtrace). */
export function emitTraps(s: Section, jit = false): void {
  const puts = (label: string) => s.i("mov", "ebx", ref(label)).call("puts");
  const putc = (c: string) => s.i("mov", "al", c.charCodeAt(0)).call("putc");
  // irq_enter(eax = continuation pc, ecx = end of the interrupted frame; esi = the safe point):
  // calls the interrupt handler with R[0] = the latched lines, in a frame at ecx, returning
  // through IRQRET to the continuation. Two control entries: (continuation, ebp) for IRQRET's
  // return, (irqret_insn, ecx) for the handler's. Blocked is set before the lines are taken, so
  // a line that fires meanwhile waits for IRQRET.
  const V = VM_LABELS;
  // The debugger's pause (boot/debug.ts): its line first, then what it found latched besides.
  s.label(V.irqEnter).i("test", mem({ disp: ref(V.irqPending) }), (1 << DEBUG_LINE) >>> 0).jcc("ne", "irq_debug");
  s.label("irq_enter_lines").i("mov", "ebx", mem({ disp: ref(V.irqFn) })).i("test", "ebx", "ebx").jcc("e", "irq_no_handler");
  s.i("lea", "edx", mem({ base: "edi", disp: 8, size: 0 })).i("cmp", "edx", mem({ disp: ref(V.ctlEnd) })).jcc("ae", "irq_overflow");
  s.i("mov", "edx", "ecx").i("add", "edx", mem({ disp: ref(V.irqFn, 4) })).jcc("b", "irq_overflow");
  s.i("cmp", "edx", mem({ disp: ref(V.stackEnd) })).jcc("a", "irq_overflow");
  s.i("mov", mem({ disp: ref(V.irqBlocked) }), 1); setDelivery(s, false);
  s.i("mov", mem({ base: "edi" }), "eax").i("mov", mem({ base: "edi", disp: 4 }), "ebp");
  s.i("mov", mem({ base: "edi", disp: 8 }), ref("irqret_insn")).i("mov", mem({ base: "edi", disp: 12 }), "ecx").i("add", "edi", 16);
  s.i("mov", "ebp", "ecx").i("xor", "eax", "eax").i("xchg", mem({ disp: ref(V.irqPending) }), "eax");
  // A pause the host asked for since irq_enter looked waits for the next safe point.
  s.i("mov", "edx", "eax").i("and", "edx", (1 << DEBUG_LINE) >>> 0).i("or", mem({ disp: ref(V.irqPending) }), "edx").i("xor", "eax", "edx");
  s.i("mov", mem({ base: "ebp" }), "eax");
  s.i("mov", "esi", "ebx").i("jmp", mem({ base: "esi" }));
  s.label("irq_no_handler"); setDelivery(s, false); s.i("mov", "esi", "eax");
  s.i("jmp", mem({ base: "esi" })); // the continuation (boot/vm.ts)
  s.label("irq_overflow").i("mov", "eax", TRAP_CODES.indexOf("STACK")).jmp(V.trap);
  s.label("irq_debug").i("and", mem({ disp: ref(V.irqPending) }), ~(1 << DEBUG_LINE)).i("mov", mem({ disp: ref("dbg_reason") }), STOP.pause).call("dbg_stop");
  // Delivery re-armed for what is latched besides: delivered now unless blocked, else later.
  setDelivery(s, false); s.i("cmp", mem({ disp: ref(V.irqBlocked) }), 0).jcc("ne", "irq_debug_go");
  s.i("cmp", mem({ disp: ref(V.irqPending) }), 0).jcc("ne", "irq_enter_lines");
  s.label("irq_debug_go").i("mov", "esi", "eax").i("jmp", mem({ base: "esi" }));
  if (jit) {
    // jit_irq_mem (ecx = end of the interrupted frame, eax = the address a compiled load or store
    // was checking, edx = where it resumes; esi = that instruction; boot/vm.ts, safePointStub):
    // irq_enter with a continuation in two words at the frame's end — the resume's address, eax —
    // so the handler's frame goes 8 bytes further. The continuation is that first word.
    s.label("jit_irq_mem").i("lea", "ebx", mem({ base: "ecx", disp: 8, size: 0 })).i("cmp", "ebx", mem({ disp: ref(V.stackEnd) })).jcc("a", "irq_overflow");
    s.i("mov", mem({ base: "ecx" }), "edx").i("mov", mem({ base: "ecx", disp: 4 }), "eax").i("mov", "eax", "ecx").i("mov", "ecx", "ebx").jmp(V.irqEnter);
  }

  // IRQ stubs (vectors 32..47 once the kernel has remapped the PICs): acknowledge, count, latch,
  // and ask for delivery unless the handler is running. A spurious IRQ 7 / 15 (its in-service bit
  // clear) is neither acknowledged at its own PIC nor counted.
  for (let n = 0; n < 16; n++) {
    const pic = n < 8 ? 0x20 : 0xa0, done = `irq${n}_done`;
    s.label(`irq_${n}`).i("push", "eax");
    if (n === 7 || n === 15) {
      s.i("mov", "al", 0x0b).i("out", pic, "al").i("in", "al", pic).i("test", "al", 0x80).jcc("ne", `irq${n}_real`);
      if (n === 15) s.i("mov", "al", 0x20).i("out", 0x20, "al");
      s.jmp(done).label(`irq${n}_real`);
    }
    s.i("mov", "al", 0x20);
    if (n >= 8) s.i("out", 0xa0, "al");
    s.i("out", 0x20, "al");
    s.i("inc", mem({ disp: ref(V.irqCounts, 4 * n) })).i("or", mem({ disp: ref(V.irqPending) }), 1 << n);
    s.i("cmp", mem({ disp: ref(V.irqBlocked) }), 0).jcc("ne", done); setDelivery(s, true);
    s.label(done).i("pop", "eax").i("iretd");
  }

  // A double fault arrives through a task gate, on the double-fault task's own stack (the one it
  // interrupted may be what failed): the VM's registers come from the task state the CPU saved.
  // (`int 8` enters it too, without an error code: one is supplied.)
  s.label("df_entry").i("mov", "esi", mem({ disp: ref("main_tss", 0x40) })).i("mov", "edi", mem({ disp: ref("main_tss", 0x44) }));
  if (jit) {
    // Interrupted in compiled code: the VM's pc from the saved eip.
    s.i("mov", "eax", mem({ disp: ref("main_tss", 0x20) })).call("jit_unmap").i("cmp", "eax", mem({ disp: ref("main_tss", 0x20) })).jcc("e", "df_vm_regs").i("mov", "esi", "eax");
    s.label("df_vm_regs");
  }
  s.i("cmp", "esp", ref("df_stack_top")).jcc("ne", "df_has_code").i("pushd", 0);
  s.label("df_has_code").i("pushd", 8).jmp("exc_common");

  // CPU exceptions: a stub per vector pushes (error code,) vector; exc_common prints and stops.
  for (let v = 0; v < 32; v++) {
    s.label(`exc_${v}`);
    if (!HAS_ERROR_CODE.has(v)) s.i("pushd", 0);
    s.i("pushd", v).jmp(v === 14 ? "pf_entry" : "exc_common");
  }

  // A page fault goes to the kernel's fault handler (kernel.fault_handler), if any, when it comes
  // from a VM handler (esi on an instruction of a function) and not from the fault handler itself:
  // handler(cr2, error code) runs in a frame above the faulting one, with interrupt delivery
  // blocked; true retries the faulting instruction, false (or no handler) is the panic below.
  s.label("pf_entry");
  if (jit) {
    // A fault in the compiler: on the writable alias of compiled code (not mapped by the kernel's
    // page tables), it gives up compiling (jc_abort); anywhere else it is a panic.
    s.i("cmp", mem({ disp: ref("jit_busy") }), 0).jcc("e", "pf_not_jit");
    s.i("push", "eax").i("mov", "eax", "cr2").i("sub", "eax", JIT_ALIAS).i("cmp", "eax", ref("jit_size")).i("pop", "eax").jcc("ae", "exc_common");
    s.i("mov", mem({ base: "esp", disp: 8 }), ref("jc_abort")).i("add", "esp", 8).i("iretd");
    s.label("pf_not_jit");
  }
  s.i("cmp", mem({ disp: ref(V.faultFn) }), 0).jcc("e", "exc_common");
  s.i("cmp", mem({ disp: ref("fault_active") }), 0).jcc("ne", "exc_common");
  s.i("pushad").i("cmp", mem({ disp: ref(V.stringRegs, 8) }), 0).jcc("e", jit ? "pf_unmap" : "pf_vm_regs"); // inside MCOPY / MFILL
  s.i("mov", "esi", mem({ disp: ref(V.stringRegs) })).i("mov", "edi", mem({ disp: ref(V.stringRegs, 4) }));
  if (jit) {
    // In compiled code only the faulting function matters here (its frame's size): jit_func
    // finds it from the eip in a few instructions. esi (saved by pushad, restored by popad) is
    // not needed by compiled code; a panic after a refused fault maps the eip to its instruction.
    s.jmp("pf_vm_regs").label("pf_unmap").i("mov", "eax", mem({ base: "esp", disp: 40 }));
    s.i("cmp", "eax", ref("jit_area")).jcc("b", "pf_tramp").i("cmp", "eax", ref("jit_end")).jcc("ae", "pf_vm_regs");
    s.call("jit_func").i("cmp", "ecx", -1).jcc("e", "pf_give_up");
    s.i("shl", "ecx", 4).i("lea", "ebx", mem({ base: "ecx", disp: ref(V.ftab), size: 0 })).jmp("pf_have_func");
    // A trampoline (jit_base..jit_area) or any other eip: as before, through the threaded instruction.
    s.label("pf_tramp").call("jit_unmap").i("cmp", "eax", mem({ base: "esp", disp: 40 })).jcc("e", "pf_vm_regs").i("mov", "esi", "eax");
  }
  s.label("pf_vm_regs").i("mov", "eax", "esi").call("find_func").i("test", "ebx", "ebx").jcc("e", "pf_give_up");
  s.label("pf_have_func");
  s.i("mov", "ecx", mem({ base: "ebx", disp: 4 })).i("add", "ecx", "ebp"); // the faulting frame's end
  s.i("mov", "edx", "ecx").i("add", "edx", mem({ disp: ref(V.faultFn, 4) })).jcc("b", "pf_give_up");
  s.i("cmp", "edx", mem({ disp: ref(V.stackEnd) })).jcc("a", "pf_give_up");
  s.i("cmp", "edi", mem({ disp: ref(V.ctlEnd) })).jcc("ae", "pf_give_up");
  s.i("mov", mem({ disp: ref("fault_active") }), 1);
  s.i("mov", "eax", "cr2").i("mov", mem({ base: "ecx" }), "eax").i("mov", "eax", mem({ base: "esp", disp: 36 })).i("mov", mem({ base: "ecx", disp: 4 }), "eax");
  // What the handler may change and the faulting instruction still needs: delivery (blocked, and
  // no interrupt may run inside the handler), the string registers of an interrupted MCOPY/MFILL
  // (the handler's own MFILL reuses them), and the direction flag (a backward MCOPY sets it).
  const saved = [ref(V.irqBlocked), ref(V.irqDeliver), ref(V.callLimit), ref(V.jitLim), ref(V.stringRegs), ref(V.stringRegs, 4), ref(V.stringRegs, 8)];
  for (const w of saved) s.i("push", mem({ disp: w }));
  s.i("mov", mem({ disp: ref(V.irqBlocked) }), 1); setDelivery(s, false, "eax"); s.i("mov", mem({ disp: ref(V.stringRegs, 8) }), 0).i("cld");
  // (pf_reentered: where vm_reenter returns; the debugger knows a fault handler's native frame by it.)
  s.i("mov", "eax", mem({ disp: ref(V.faultFn) })).call("vm_reenter").label("pf_reentered");
  for (const w of [...saved].reverse()) s.i("pop", mem({ disp: w }));
  // Lines latched while the handler ran are delivered at the next safe point (unless blocked).
  s.i("cmp", mem({ disp: ref(V.irqBlocked) }), 0).jcc("ne", "pf_armed").i("cmp", mem({ disp: ref(V.irqPending) }), 0).jcc("e", "pf_armed");
  setDelivery(s, true);
  s.label("pf_armed").i("mov", mem({ disp: ref("fault_active") }), 0);
  s.i("cmp", mem({ base: "ecx" }), 0).jcc("e", "pf_give_up");
  s.i("popad").i("add", "esp", 8).i("iretd");
  s.label("pf_give_up").i("popad").jmp("exc_common");
  s.label("exc_common").i("cmp", mem({ disp: ref(VM_LABELS.stringRegs, 8) }), 0).jcc("e", jit ? "exc_unmap" : "exc_vm_regs"); // inside MCOPY / MFILL
  s.i("mov", "esi", mem({ disp: ref(VM_LABELS.stringRegs) })).i("mov", "edi", mem({ disp: ref(VM_LABELS.stringRegs, 4) }));
  if (jit) {
    // An exception in compiled code (not the double fault: its eip is in the task state).
    s.jmp("exc_vm_regs").label("exc_unmap").i("cmp", mem({ base: "esp" }), 8).jcc("e", "exc_vm_regs");
    s.i("mov", "eax", mem({ base: "esp", disp: 8 })).call("jit_unmap").i("cmp", "eax", mem({ base: "esp", disp: 8 })).jcc("e", "exc_vm_regs").i("mov", "esi", "eax");
  }
  s.label("exc_vm_regs"); debugPanicHook(s as Section, STOP.exception, "exc_report"); puts("str_panic"); puts("str_cpu");
  s.i("mov", "eax", mem({ base: "esp" })).i("mov", "ebx", mem({ index: "eax", scale: 4, disp: ref("exc_names") })).call("puts");
  puts("str_vector"); s.i("mov", "eax", mem({ base: "esp" })).call("putdec");
  puts("str_errcode"); s.i("mov", "eax", mem({ base: "esp", disp: 4 })).call("puthex");
  s.i("cmp", mem({ base: "esp" }), 14).jcc("ne", "exc_no_cr2");
  // A page fault's error code decoded: [read|write|instruction fetch, not present|protection].
  s.i("mov", "eax", mem({ base: "esp", disp: 4 }));
  s.i("mov", "ebx", ref("str_pf_read")).i("test", "eax", 2).jcc("e", "pf_rw").i("mov", "ebx", ref("str_pf_write"));
  s.label("pf_rw").i("test", "eax", 16).jcc("e", "pf_kind").i("mov", "ebx", ref("str_pf_fetch"));
  s.label("pf_kind").call("puts").i("mov", "ebx", ref("str_pf_np")).i("test", "eax", 1).jcc("e", "pf_p").i("mov", "ebx", ref("str_pf_prot"));
  s.label("pf_p").call("puts");
  puts("str_cr2"); s.i("mov", "eax", "cr2").call("puthex");
  s.label("exc_no_cr2"); putc(")"); puts("str_at_loc"); s.i("mov", "eax", "esi").call("put_location"); putc("\n");
  s.call("put_backtrace").i("mov", "eax", 3).jmp(VM_LABELS.exit);
}
