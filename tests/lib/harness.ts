// Test helpers: build a kernel-ts program in-process and run it the ways the project runs it.
// Every runner returns the serial output as a string (latin1, byte for byte) and the exit code,
// with a panic reported exactly as `kt run` prints it (exit code 3).

import { buildProgram, type BuiltProgram } from "../../toolchain/build.ts";
import { HostDevices } from "../../emulator/host/devices.ts";
import { runKbc, runWasm } from "../../emulator/host/run.ts";
import { formatPanic } from "../../toolchain/panic.ts";
import type { RunResult } from "../../toolchain/kbc/interp.ts";
import { EXIT } from "../../toolchain/errors.ts";

export interface Outcome { stdout: string; code: number }

function outcome(chunks: Uint8Array[], r: RunResult): Outcome {
  let stdout = Buffer.concat(chunks).toString("latin1");
  if (r.kind === "panic") stdout += formatPanic(r.reason, r.frames, r.where);
  return { stdout, code: r.kind === "exit" ? r.code : EXIT.PANIC };
}

/** Runs a built program's wasm under V8. */
export function runBuiltWasm(p: BuiltProgram, memoryMB?: number): Outcome {
  const chunks: Uint8Array[] = [];
  const dev = new HostDevices((b) => chunks.push(b));
  const r = runWasm(p.wasm, p.sourceMap, dev, { memoryMB }, p.kbc.memoryBytes);
  dev.flush();
  return outcome(chunks, r);
}

/** Runs a built program's kbc on the host interpreter. */
export function runBuiltKbc(p: BuiltProgram, memoryMB?: number): Outcome {
  const chunks: Uint8Array[] = [];
  const dev = new HostDevices((b) => chunks.push(b));
  const { result } = runKbc(p.kbc, dev, { memoryMB });
  dev.flush();
  return outcome(chunks, result);
}

/** Builds `file` (a .ts program) and runs it both ways. */
export async function runBoth(file: string, optimizeLevel?: number): Promise<{ wasm: Outcome; kbc: Outcome; built: BuiltProgram }> {
  const built = await buildProgram(file, { optimizeLevel });
  return { wasm: runBuiltWasm(built), kbc: runBuiltKbc(built), built };
}
