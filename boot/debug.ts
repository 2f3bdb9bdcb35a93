// The guest's side of the debugger (emulator/debug/, docs/debugging.md): where the VM stops for
// the host, in x86. The host (v86's embedder) owns every decision; the guest only stops at the
// places below, tells the host why through DEBUG_PORT, and waits until the host lets it go on:
//
//   op_BREAK   a handler the host writes into the threaded instruction of a breakpoint (its word
//              +0), keeping the instruction's own handler; on going on the host puts that handler
//              in dbg_orig and op_BREAK jumps to it, so the breakpoint stays where it is. eax (an
//              operand forwarded to an `_e` handler) and every VM register are left as they were.
//   panic      vm_trap, vm_abort and exc_common stop first while dbg_flags bit 0 is set (the
//              exception filter `panic`): the trapping instruction in esi, its frame in ebp.
//   pause      irq_enter, when the host has latched DEBUG_LINE in irq_pending as an IRQ stub
//              latches a line: at a safe point, every value of the VM in its slots.
//
// While stopped the guest spins in dbg_stop (the host also stops v86, so nothing runs); the VM's
// registers (esi, ebp, edi) and eax are the host's to read, as they were at the stop (esp is 8
// bytes lower: dbg_stop's return address and edx). Units: bytes.

import { Section, mem, m8, ref } from "./asm.ts";
import { DEBUG_PORT } from "../toolchain/kbc/opcodes.ts";

import { STOP, DBG_STOP_ON_PANIC } from "./abi.ts";
export { STOP, DEBUG_LINE, DBG_STOP_ON_PANIC } from "./abi.ts";

/** The words the host reads and writes (data). */
export function emitDebugData(s: Section): void {
  s.align(4);
  for (const w of ["dbg_go", "dbg_orig", "dbg_reason", "dbg_flags"]) s.label(w).dd(0);
}

/**
 * dbg_stop (native call, dbg_reason set): tells the host and waits for dbg_go; preserves every
 * register. op_BREAK: a breakpoint.
 */
export function emitDebugCode(s: Section): void {
  // eax stays what it was while the host looks (a trap's code, a continuation, an operand);
  // the host reads the reason from dbg_reason. While waiting, [esp] is edx and [esp+4] the return.
  s.align(4, 0x90).label("dbg_stop").i("push", "edx").i("mov", "dx", DEBUG_PORT).i("out", "dx", "al");
  s.label("dbg_wait").i("cmp", m8({ disp: ref("dbg_go") }), 0).jcc("e", "dbg_wait");
  s.i("mov", m8({ disp: ref("dbg_go") }), 0).i("pop", "edx").i("retnd");
  s.align(4, 0x90).label("op_BREAK").i("mov", mem({ disp: ref("dbg_reason") }), STOP.breakpoint).call("dbg_stop");
  s.i("jmp", mem({ disp: ref("dbg_orig") }));
}

/** A panic path's first instructions: stop for the host when it asked to (preserves every register). */
export function debugPanicHook(s: Section, reason: number, label: string): void {
  s.i("test", m8({ disp: ref("dbg_flags") }), DBG_STOP_ON_PANIC).jcc("e", label);
  s.i("mov", mem({ disp: ref("dbg_reason") }), reason).call("dbg_stop");
  s.label(label);
}
