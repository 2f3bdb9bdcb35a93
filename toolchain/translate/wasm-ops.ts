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
export const WASM_LOAD: Record<number, string> = { 0x28: "LD32", 0x2c: "LD8S", 0x2d: "LD8U", 0x2e: "LD16S", 0x2f: "LD16U" };
export const WASM_STORE: Record<number, string> = { 0x36: "ST32", 0x3a: "ST8", 0x3b: "ST16" };

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const I64_OPS = new Set([0x29, ...range(0x30, 0x35), 0x37, ...range(0x3c, 0x3e), 0x42, ...range(0x50, 0x5a),
  ...range(0x79, 0x8a), 0xa7, ...range(0xac, 0xb1), 0xbd, 0xbf, ...range(0xc2, 0xc4)]);
const FLOAT_OPS = new Set([0x2a, 0x2b, 0x38, 0x39, 0x43, 0x44, ...range(0x5b, 0x66), ...range(0x8b, 0xa6),
  ...range(0xa8, 0xab), ...range(0xb2, 0xbc), 0xbe]);

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
  if (I64_OPS.has(op)) return "64-bit integers (i64)";
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
  if (WASM_BINARY[op] || WASM_UNARY[op]) return;
  fail(rejectedName(op));
}

