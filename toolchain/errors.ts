// Errors and exit codes shared by every kt command, and the one table of trap reasons a user sees.

/** Process exit codes of kt (the guest's own exit code passes through unchanged). */
export const EXIT = {
  OK: 0,
  USAGE: 2,      // bad command line, build error, malformed module
  PANIC: 3,      // the kernel panicked (trap, abort, CPU exception)
  TIMEOUT: 124,
} as const;

/** An error meant for the user: printed as one line, the process exits with `code`. */
export class KtError extends Error {
  constructor(message: string, public code: number = EXIT.USAGE) { super(message); }
}

/**
 * Trap reasons: the text after `PANIC: `. The host wasm runner maps V8's trap messages onto these,
 * the kbc interpreters raise them directly, so both print the same bytes.
 */
export const TRAP = {
  DIV_ZERO: "integer divide by zero",
  DIV_OVERFLOW: "integer overflow",
  UNREACHABLE: "unreachable executed",
  OOB: "out of bounds memory access",
  TABLE_OOB: "indirect call: table index out of bounds",
  BAD_CALL: "indirect call: null or wrong signature",
  STACK: "stack overflow",
  BAD_CONTEXT: "thread switch to a bad context",
  HOST_THREADS: "threads need the guest VM (kt boot)",
} as const;
export type TrapReason = (typeof TRAP)[keyof typeof TRAP];
