// The native twins of `kt bench vm`: the benchmark programs written in C (kernel-ts/bench/c/),
// compiled by the host's gcc for i386 (-O2 -m32, freestanding) and linked into a Multiboot ELF at
// 1 MiB, then booted in v86 through the same Machine as the kernel-ts images, with the same
// markers (1–2 cold, 3–4 warm), the same result line on COM1 and the same exit through port 0xF4.
// Their warm x86 instruction counts are what the VM's are measured against. Each marker is the
// VM's (a 32-bit `out` of its number to MARK_PORT) after a byte to port 0x80, so that v86's
// instruction counter is up to date when the host reads it (kernel-ts/bench/c/native.h says why):
// the counts repeat to the instruction.
//
//   const probe = probeNative();                 // can gcc build i386 code here? (once per process)
//   if (probe.ok) {
//     const built = buildNative("sieve");        // { elf } or { skipped: reason }
//     const run = await runNative("sieve", built.elf);   // output, marks, warm instructions
//   }
//
// Images are cached in node_modules/.cache/kt/native/, keyed by the sources, the flags and gcc's
// version; nothing is written into the repository. Units: instructions, milliseconds.

import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../toolchain/asc.ts";
import { KtError } from "../toolchain/errors.ts";
import { MARK_PORT } from "../toolchain/kbc/opcodes.ts";
import { Machine, EXIT_PORT, lastLines, type Mark } from "./machine.ts";

/** The C sources: one file per program, native.h (runtime) and link.ld (layout). */
export const NATIVE_SRC = path.join(REPO_ROOT, "kernel-ts/bench/c");
const CACHE = path.join(REPO_ROOT, "node_modules/.cache/kt/native");
const GCC = "gcc";
/** How long a twin may run in v86 before it counts as hung (each takes well under a second). */
const RUN_TIMEOUT_MS = 60_000;

/** gcc's flags: -O2 for i686 (no SSE: nothing sets up its state), freestanding, static, no PIC. */
export const NATIVE_CFLAGS = [
  "-O2", "-m32", "-march=i686", "-ffreestanding", "-fno-pic", "-fno-pie", "-fno-stack-protector",
  "-fno-asynchronous-unwind-tables", "-fno-strict-aliasing",
];
const WARNINGS = ["-Wall", "-Wextra"];
const LDFLAGS = ["-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,noexecstack", "-Wl,-z,max-page-size=0x1000"];
const PORTS = [`-DMARK_PORT=${MARK_PORT}`, `-DEXIT_PORT=${EXIT_PORT}`];

/** Whether gcc can build the twins here: its version and whether it has a 32-bit libgcc, or why not. */
export type NativeProbe =
  | { ok: true; compiler: string; libgcc: boolean; libgccMissing?: string }
  | { ok: false; reason: string };

let probed: NativeProbe | undefined;

/** The first line of a failed command's message (gcc's own error where there is one). */
function firstError(e: unknown): string {
  const err = e as { code?: string; stderr?: Buffer | string; message?: string };
  if (err.code === "ENOENT") return `no ${GCC} on the PATH`;
  const text = String(err.stderr ?? "") || String(err.message ?? e);
  const lines = text.split("\n").map((l) => l.trim().replace(/^\S*\/(ld|collect2): /, "$1: ")).filter(Boolean);
  return lines.find((l) => /error|cannot|undefined|unrecognized|not found/i.test(l)) ?? lines[0] ?? "failed";
}

function gcc(args: string[], cwd: string): void {
  execFileSync(GCC, args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
}

/**
 * Probes (once per process) whether gcc compiles and links a trivial freestanding -m32 program,
 * and whether it also links one that needs libgcc (a u64 remainder: __umoddi3). Never throws.
 */
export function probeNative(): NativeProbe {
  if (probed) return probed;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-native-probe-"));
  try {
    let compiler: string;
    try {
      compiler = execFileSync(GCC, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0].trim();
    } catch (e) {
      return (probed = { ok: false, reason: `${firstError(e)} (Debian: apt-get install gcc)` });
    }
    fs.writeFileSync(path.join(dir, "t.c"), "void _start(void) { for (;;) __asm__ volatile(\"hlt\"); }\n");
    try {
      gcc([...NATIVE_CFLAGS, ...LDFLAGS, "t.c", "-o", "t.elf"], dir);
    } catch (e) {
      return (probed = { ok: false, reason: `${GCC} cannot build 32-bit x86 code (-m32): ${firstError(e)} (Debian on x86-64: apt-get install gcc gcc-multilib)` });
    }
    fs.writeFileSync(path.join(dir, "u.c"),
      "unsigned long long r;\nvoid _start(void) { r = r % 0xfffffffbull; for (;;) __asm__ volatile(\"hlt\"); }\n");
    try {
      gcc([...NATIVE_CFLAGS, ...LDFLAGS, "u.c", "-o", "u.elf", "-lgcc"], dir);
      return (probed = { ok: true, compiler, libgcc: true });
    } catch (e) {
      return (probed = { ok: true, compiler, libgcc: false, libgccMissing: `${GCC} has no 32-bit libgcc (${firstError(e)}; Debian: apt-get install gcc-multilib)` });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A twin's image, or why it cannot be built here (no i386 gcc, or a libgcc routine missing). */
export type NativeBuild = { elf: Uint8Array; file: string } | { skipped: string };

/**
 * Builds (or takes from the cache) the twin of `name` (kernel-ts/bench/c/<name>.c). Returns
 * `skipped` with the reason when gcc cannot target i386, or when the program needs a libgcc
 * routine (hash64: __umoddi3) and there is no 32-bit libgcc. Throws a KtError for any other
 * compile or link error.
 */
export function buildNative(name: string): NativeBuild {
  const probe = probeNative();
  if (!probe.ok) return { skipped: probe.reason };
  const src = path.join(NATIVE_SRC, `${name}.c`);
  if (!fs.existsSync(src)) throw new KtError(`kt bench: no native twin ${path.relative(REPO_ROOT, src)}`);
  const ld = path.join(NATIVE_SRC, "link.ld");
  const args = [...NATIVE_CFLAGS, ...WARNINGS, ...PORTS, ...LDFLAGS, "-T", ld, src];
  const hash = crypto.createHash("sha256").update(`${probe.compiler}\n${probe.libgcc}\n${args.join(" ")}\n`);
  for (const f of [src, ld, path.join(NATIVE_SRC, "native.h")]) hash.update(fs.readFileSync(f));
  const file = path.join(CACHE, `${name}-${hash.digest("hex").slice(0, 24)}.elf`);
  try { return { elf: fs.readFileSync(file), file }; } catch { /* not built yet */ }
  fs.mkdirSync(CACHE, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    gcc([...args, "-o", tmp, ...(probe.libgcc ? ["-lgcc"] : [])], CACHE);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const why = firstError(e);
    const missing = /undefined reference to `(__\w+)'/.exec(String((e as { stderr?: Buffer }).stderr ?? ""));
    if (!probe.libgcc && missing) return { skipped: `it needs libgcc's ${missing[1]} and ${probe.libgccMissing}` };
    throw new KtError(`kt bench: the native twin ${name}.c does not build: ${why}`);
  }
  fs.renameSync(tmp, file);
  for (const old of fs.readdirSync(CACHE)) {
    if (old.startsWith(`${name}-`) && old.endsWith(".elf") && path.join(CACHE, old) !== file) fs.rmSync(path.join(CACHE, old), { force: true });
  }
  return { elf: fs.readFileSync(file), file };
}

/** A twin's run in v86: its COM1 output, its markers, and the figures between them. */
export interface NativeRun {
  output: string;
  marks: Mark[];
  /** Guest x86 instructions between markers 3 and 4 (the warm run). */
  warmInstructions: number;
  coldMs: number;
  warmMs: number;
}

/**
 * Boots the twin image `elf` of `name` in v86 (64 MiB, as the kernel-ts programs) and waits for
 * its exit. Throws a KtError when it does not exit with 0 within a minute or lacks a marker.
 */
export async function runNative(name: string, elf: Uint8Array): Promise<NativeRun> {
  const m = await Machine.boot(elf, { memoryMB: 64 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const code = await Promise.race([m.exited, new Promise<"timeout">((resolve) => { timer = setTimeout(() => resolve("timeout"), RUN_TIMEOUT_MS); })]);
  clearTimeout(timer);
  await m.stop();
  const output = m.output();
  if (code !== 0) {
    const how = code === "timeout" ? `did not exit within ${RUN_TIMEOUT_MS / 1000} s` : `exited with ${code}`;
    throw new KtError(`kt bench: the native twin of ${name} ${how} in v86:\n${lastLines(output) || "(no output)"}`);
  }
  const at = (id: number) => {
    const mk = m.marks.find((x) => x.id === id);
    if (!mk) throw new KtError(`kt bench: the native twin of ${name} did not emit marker ${id}`);
    return mk;
  };
  const [g1, g2, g3, g4] = [1, 2, 3, 4].map(at);
  return {
    output, marks: [...m.marks], warmInstructions: g4.instructions - g3.instructions,
    coldMs: +(g2.ms - g1.ms).toFixed(1), warmMs: +(g4.ms - g3.ms).toFixed(2),
  };
}
