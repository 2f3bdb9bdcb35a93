// The wasm side of the translator: which wasm opcodes map to which kbc operations, what the
// rejected ones are called in diagnostics, and how to skip an instruction in unreachable code.

import type { Reader } from "../wasm/reader.ts";

/** wasm opcode → kbc binary/compare op name, for i32. */
export const WASM_BINARY: Record<number, string> = {
  0x46: "EQ", 0x47: "NE", 0x48: "LTS", 0x49: "LTU", 0x4a: "GTS", 0x4b: "GTU", 0x4c: "LES", 0x4d: "LEU", 0x4e: "GES", 0x4f: "GEU",
  0x6a: "ADD", 0x6b: "SUB", 0x6c: "MUL", 0x6d: "DIVS", 0x6e: "DIVU", 0x6f: "REMS", 0x70: "REMU",
  0x71: "AND", 0x72: "OR", 0x73: "XOR", 0x74: "SHL", 0x75: "SHRS", 0x76: "SHRU", 0x77: "ROTL", 0x78: "ROTR",
};
export const WASM_UNARY: Record<number, string> = { 0x45: "EQZ", 0x67: "CLZ", 0x68: "CTZ", 0x69: "POPCNT", 0xc0: "EXT8S", 0xc1: "EXT16S" };
/** wasm opcode → kbc 64-bit binary/compare op name (operands i64; compares give i32). */
export const WASM_BINARY64: Record<number, string> = {
  0x51: "EQ64", 0x52: "NE64", 0x53: "LTS64", 0x54: "LTU64", 0x55: "GTS64", 0x56: "GTU64", 0x57: "LES64", 0x58: "LEU64", 0x59: "GES64", 0x5a: "GEU64",
  0x7c: "ADD64", 0x7d: "SUB64", 0x7e: "MUL64", 0x7f: "DIVS64", 0x80: "DIVU64", 0x81: "REMS64", 0x82: "REMU64",
  0x83: "AND64", 0x84: "OR64", 0x85: "XOR64", 0x86: "SHL64", 0x87: "SHRS64", 0x88: "SHRU64", 0x89: "ROTL64", 0x8a: "ROTR64",
};
/** wasm opcode → kbc 64-bit unary op name (EQZ64 gives i32, the others i64). */
export const WASM_UNARY64: Record<number, string> = { 0x50: "EQZ64", 0x79: "CLZ64", 0x7a: "CTZ64", 0x7b: "POPCNT64" };
/**
 * i64 loads: wasm opcode → [the 32-bit load of the low word, how the high word is made]. The
 * full-width i64.load (0x29) is two LD32s.
 */
export const WASM_LOAD64: Record<number, [string, "sign" | "zero"]> = {
  0x30: ["LD8S", "sign"], 0x31: ["LD8U", "zero"], 0x32: ["LD16S", "sign"], 0x33: ["LD16U", "zero"], 0x34: ["LD32", "sign"], 0x35: ["LD32", "zero"],
};
/** Narrow i64 stores: wasm opcode → the 32-bit store of the low word (i64.store, 0x37, is two ST32s). */
export const WASM_STORE64: Record<number, string> = { 0x3c: "ST8", 0x3d: "ST16", 0x3e: "ST32" };
/** Conversions and sign extensions involving i64 (no immediates). */
export const WASM_CONVERT64 = { wrap: 0xa7, extendS: 0xac, extendU: 0xad, ext8s: 0xc2, ext16s: 0xc3, ext32s: 0xc4 } as const;
export const WASM_LOAD: Record<number, string> = { 0x28: "LD32", 0x2c: "LD8S", 0x2d: "LD8U", 0x2e: "LD16S", 0x2f: "LD16U" };
export const WASM_STORE: Record<number, string> = { 0x36: "ST32", 0x3a: "ST8", 0x3b: "ST16" };

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const FLOAT_OPS = new Set([0x2a, 0x2b, 0x38, 0x39, 0x43, 0x44, ...range(0x5b, 0x66), ...range(0x8b, 0xa6),
  ...range(0xa8, 0xab), ...range(0xae, 0xbf)]);

/** A readable name for a wasm opcode we reject. */
export function rejectedName(op: number, sub = -1): string {
  if (op === 0xfd) return "SIMD (v128)";
  if (op === 0x40) return "memory.grow (managed allocation: `new`, string concatenation, dynamic arrays)";
  if (op === 0x3f) return "memory.size";
  if (op === 0xfc) {
    if (sub <= 7) return "floating-point conversion";
    if (sub === 8 || sub === 9) return "passive data segments (memory.init / data.drop)";
    return "table instructions";
  }
  if (FLOAT_OPS.has(op)) return "floating-point arithmetic (f32/f64)";
  if (op >= 0xd0 && op <= 0xd2) return "reference types";
  if (op === 0x06 || op === 0x07 || op === 0x08 || op === 0x09 || op === 0x18 || op === 0x19) return "exception handling";
  if (op === 0x12 || op === 0x13) return "tail calls";
  if (op === 0x25 || op === 0x26) return "table.get / table.set";
  return `wasm opcode 0x${op.toString(16)}`;
}

/** Skips one instruction's immediates in unreachable code (control opcodes are handled earlier). */
export function skipImmediates(r: Reader, op: number, fail: (what: string) => never): void {
  if (op === 0x0c || op === 0x0d || (op >= 0x20 && op <= 0x24) || op === 0x10) { r.u32(); return; }
  if (op === 0x0e) { const n = r.u32(); for (let i = 0; i <= n; i++) r.u32(); return; }
  if (op === 0x11) { r.u32(); r.u32(); return; }
  if (op === 0x1c) { const n = r.u32(); for (let i = 0; i < n; i++) r.u8(); return; }
  if (op >= 0x28 && op <= 0x3e) { r.u32(); r.u32(); return; }
  if (op === 0x41) { r.s32(); return; }
  if (op === 0x42) { r.skipLeb(); return; }
  if (op === 0xfc) {
    const sub = r.u32();
    if (sub === 10) { r.u8(); r.u8(); return; }
    if (sub === 11) { r.u8(); return; }
    fail(rejectedName(op, sub));
  }
  if (op === 0x00 || op === 0x01 || op === 0x0f || op === 0x1a || op === 0x1b) return;
  if (WASM_BINARY[op] || WASM_UNARY[op] || WASM_BINARY64[op] || WASM_UNARY64[op]) return;
  if ((Object.values(WASM_CONVERT64) as number[]).includes(op)) return;
  fail(rejectedName(op));
}

