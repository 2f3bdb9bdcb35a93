// The kernel intrinsics: the fixed ABI between kernel-ts code and whatever runs it (V8 on the
// host, the kbc VM in the guest). Each is a wasm import from module "kernel"; the translator
// lowers each to one kbc opcode (see docs/kernel-ts.md). Ports are 16-bit; values are u32.

/** Writes a byte to an I/O port. */
@external("kernel", "outb") export declare function outb(port: u32, v: u32): void;
/** Reads a byte from an I/O port (0..255). */
@external("kernel", "inb") export declare function inb(port: u32): u32;
/** Writes a 16-bit word to an I/O port. */
@external("kernel", "outw") export declare function outw(port: u32, v: u32): void;
/** Reads a 16-bit word from an I/O port. */
@external("kernel", "inw") export declare function inw(port: u32): u32;
/** Writes a 32-bit dword to an I/O port. */
@external("kernel", "outl") export declare function outl(port: u32, v: u32): void;
/** Reads a 32-bit dword from an I/O port. */
@external("kernel", "inl") export declare function inl(port: u32): u32;
/** Stops the machine with `code` as its exit code (port 0xF4 in the guest). Never returns. */
@external("kernel", "exit") export declare function exit(code: u32): void;
@external("kernel", "read_cr0") export declare function read_cr0(): u32;
@external("kernel", "write_cr0") export declare function write_cr0(v: u32): void;
/** The faulting address of the last page fault. */
@external("kernel", "read_cr2") export declare function read_cr2(): u32;
@external("kernel", "read_cr3") export declare function read_cr3(): u32;
@external("kernel", "write_cr3") export declare function write_cr3(v: u32): void;
/** Invalidates the TLB entry for the page containing `addr`. */
@external("kernel", "invlpg") export declare function invlpg(addr: u32): void;
/** Disables interrupts. */
@external("kernel", "cli") export declare function cli(): void;
/** Enables interrupts. */
@external("kernel", "sti") export declare function sti(): void;
/** Waits for the next interrupt (returns at once on the host). */
@external("kernel", "hlt") export declare function hlt(): void;
/** Address of the Multiboot v1 information block (flags, memory map); the host fabricates one. */
@external("kernel", "boot_info") export declare function boot_info(): u32;
/** First free byte after the kernel image, its data and the VM's stacks (page-aligned). */
@external("kernel", "image_end") export declare function image_end(): u32;
/**
 * Address of the image layout, 4 words: ro_start, ro_end (the read-only image: code and tables),
 * rw_start, image_end (the writable image: VM state, static data, VM stacks). Page-aligned.
 */
@external("kernel", "image_layout") export declare function image_layout(): u32;
/** Benchmark marker: the host notes the instruction count when it runs (port 0x520 in the guest). */
@external("kernel", "mark") export declare function mark(id: u32): void;
/**
 * Makes `handler` the interrupt handler. IRQ lines latch in native stubs (which also acknowledge
 * the PIC); the VM then calls `handler(irqs)` at its next safe point — a backward branch or a call
 * — with the mask of lines latched since the last call (bit n: IRQ n). Handlers never nest: lines
 * that fire during a call are delivered after it returns. Never called on the host.
 */
@inline export function irq_handler(handler: (irqs: u32) => void): void { irq_handler_index(handler.index); }
/** irq_handler's intrinsic: it takes the handler's function-table index (what a call_indirect takes). */
@external("kernel", "irq_handler") export declare function irq_handler_index(index: u32): void;
/** How many times IRQ line `line` (0..15) has fired since boot, counted by the native stub (0 on the host). */
@external("kernel", "irq_count") export declare function irq_count(line: u32): u32;
/**
 * Makes `handler` the page-fault handler: on a page fault in kernel-ts code, the VM calls
 * `handler(cr2, err)` (the faulting address and the CPU's error code: bit 0 protection (else not
 * present), bit 1 write, bit 4 instruction fetch) in a frame above the faulting one, with
 * interrupts off and delivery blocked. `true` retries the faulting access (the handler mapped the
 * page); `false` is the usual page-fault panic. A fault inside the handler panics. Never called on
 * the host (no MMU).
 */
@inline export function fault_handler(handler: (cr2: u32, err: u32) => bool): void { fault_handler_index(handler.index); }
/** fault_handler's intrinsic: the handler's function-table index. */
@external("kernel", "fault_handler") export declare function fault_handler_index(index: u32): void;
/**
 * Blocks interrupt delivery when `on` is nonzero, unblocks it otherwise; returns whether it was
 * blocked (0/1). Lines keep latching while blocked and are delivered at the first safe point after
 * unblocking. The per-thread building block of locks (it is part of a thread's VM context).
 */
@external("kernel", "irq_block") export declare function irq_block(on: u32): u32;

// A thread's VM context: VM_CONTEXT_BYTES bytes at a 4-aligned address; the words at these
// offsets (toolchain/kbc/opcodes.ts VM_CONTEXT, checked by a test).
export const CTX_PC: u32 = 0;         // where it resumes (set by vm_switch / vm_context_init)
export const CTX_FRAME: u32 = 4;      // its frame: the slot stack's base for a new thread
export const CTX_CTL: u32 = 8;        // its control stack pointer: the control stack's base
export const CTX_STACK_END: u32 = 12; // the end of its slot stack
export const CTX_CTL_END: u32 = 16;   // the end of its control stack
export const CTX_CTL_FLOOR: u32 = 20; // its control floor: the control stack's base
export const CTX_BLOCKED: u32 = 24;   // interrupt delivery blocked (0 for a new thread)
export const VM_CONTEXT_BYTES: u32 = 32;

/**
 * Points the context at `ctx` — its stack words already set — at the start of `entry`, which
 * must never return (it has no caller). Traps if its frame does not fit. Guest only.
 */
@inline export function vm_context_init(ctx: usize, entry: () => void): void { vm_context_init_index(ctx, entry.index); }
@external("kernel", "vm_context_init") export declare function vm_context_init_index(ctx: usize, index: u32): void;
/**
 * Saves the running thread's context at `save` and continues the thread whose context is at
 * `load`; returns when something switches back to `save`. Guest only (a trap on the host).
 */
@external("kernel", "vm_switch") export declare function vm_switch(save: usize, load: usize): void;
