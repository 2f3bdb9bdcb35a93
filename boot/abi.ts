// What the guest image and the host tools that read it share, with nothing else: the threaded
// instruction's layout (boot/vm.ts), the CPU exceptions' names (boot/traps.ts), the debugger's
// stop reasons and flags (boot/debug.ts). No assembler here, so the browser page can import it.

/** The threaded instruction: size and field offsets (boot/vm.ts). */
export const TI = { size: 16, A: 4, B: 5, C: 6, I: 8, X: 12 } as const;

export const EXC_NAMES = ["#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
  "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
  "#NP segment not present", "#SS stack fault", "#GP general protection", "#PF page fault", "reserved", "#MF x87 error",
  "#AC alignment check", "#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection"];

/** Why the guest stopped for the debugger (dbg_reason: boot/debug.ts). */
export const STOP = { breakpoint: 1, trap: 2, abort: 3, exception: 4, pause: 5 } as const;
/** The irq_pending bit the host sets to ask for a pause (never an IRQ line: lines are 0..15). */
export const DEBUG_LINE = 31;
/** dbg_flags bits. */
export const DBG_STOP_ON_PANIC = 1;
