// Node's way to the v86 wasm for emulator/machine.ts: read from the installed v86 package (found
// through Node's resolver, so it works from the esbuild bundle in node_modules/.cache/kt/ too) and
// compiled once per process.
import fs from "node:fs";
import { createRequire } from "node:module";
import { WA, type WasmModule } from "./machine.ts";

let compiled: Promise<WasmModule> | undefined;

/** The path of node_modules/v86/build/v86.wasm. */
export function v86WasmPath(): string {
  return createRequire(import.meta.url).resolve("v86/build/v86.wasm");
}

/** The compiled v86 wasm module (cached). */
export function nodeV86Wasm(): Promise<WasmModule> {
  compiled ??= fs.promises.readFile(v86WasmPath()).then((bytes) => WA.compile(bytes));
  return compiled;
}
