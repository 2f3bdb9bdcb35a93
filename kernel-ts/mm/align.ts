// Alignment helpers shared by the allocators (balloc, palloc, tlsf). Units: bytes; addresses and
// sizes are u32 (usize). Every `align` here must be a power of two; the results wrap modulo 2^32,
// so a caller that can meet the top of the address space checks for the wrap (see alignUp).

/** True when `x` is a power of two (0 is not). */
@inline export function isPowerOfTwo(x: usize): bool {
  return x != 0 && (x & (x - 1)) == 0;
}

/** True when `x` is a multiple of `align` (a power of two). */
@inline export function isAligned(x: usize, align: usize): bool {
  return (x & (align - 1)) == 0;
}

/** Rounds `x` down to a multiple of `align` (a power of two). */
@inline export function alignDown(x: usize, align: usize): usize {
  return x & ~(align - 1);
}

/**
 * Rounds `x` up to a multiple of `align` (a power of two). Wraps past 2^32 to a small value: the
 * result is below `x` exactly when it wrapped, which is how callers detect overflow.
 */
@inline export function alignUp(x: usize, align: usize): usize {
  return (x + align - 1) & ~(align - 1);
}
