// Addresses fixed across the host and the guest, so that a program prints the same addresses in
// both. Units: bytes (linear address == guest virtual address).

/** Where asc places static data (strings, memory.data) — the --memoryBase of every build. */
export const DATA_BASE = 0x0020_0000; // 2 MiB: above the image loaded at 1 MiB

/** Default and minimum linear memory for the host runners, in MiB. */
export const HOST_MEMORY_MB = 64;
