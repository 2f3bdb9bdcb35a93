// The panic report, identical wherever the kernel runs (V8, host kbc interpreter, the guest VM):
//
//   PANIC: <reason> at <file.ts>:<line>
//     at <function> (<file.ts>:<line>)       one line per frame, innermost first
//
// At most MAX_FRAMES frames are listed; deeper stacks end with "  ...".

export interface PanicFrame { func: string; file: string | null; line: number }

export const MAX_FRAMES = 16;

/** Formats a panic. `where` is the location of the panic itself (the abort's file:line, or the top frame's). */
export function formatPanic(reason: string, frames: PanicFrame[], where?: { file: string; line: number } | null): string {
  const loc = (f: { file: string | null; line: number }) => (f.file ? `${f.file}:${f.line}` : "?");
  const top = where ?? frames[0] ?? null;
  let out = `PANIC: ${reason}${top ? ` at ${loc(top)}` : ""}\n`;
  for (const f of frames.slice(0, MAX_FRAMES)) out += `  at ${f.func} (${loc(f)})\n`;
  if (frames.length > MAX_FRAMES) out += "  ...\n";
  return out;
}

/** Reads an AssemblyScript string (UTF-16, byte length at ptr - 4) from linear memory. */
export function readAsString(mem: Uint8Array, ptr: number): string | null {
  ptr >>>= 0;
  if (ptr < 4 || ptr > mem.length) return null;
  const len = (mem[ptr - 4] | (mem[ptr - 3] << 8) | (mem[ptr - 2] << 16) | (mem[ptr - 1] << 24)) >>> 0;
  if (len > 4096 || ptr + len > mem.length) return null;
  let s = "";
  for (let i = 0; i + 1 < len; i += 2) s += String.fromCharCode(mem[ptr + i] | (mem[ptr + i + 1] << 8));
  return s;
}
