// The shell's line editor on the serial console: echo, backspace, Ctrl-C (abandon the line),
// Ctrl-U (erase it), Up/Down (history), Enter as CR, LF or CR LF. Units: bytes.
//
// The line and the history live in static buffers: LINE_MAX bytes each, HISTORY lines.

import { putc, puts } from "../dev/serial";
import { console_getc } from "../dev/console";

export const LINE_MAX: u32 = 200;
const HISTORY: u32 = 16;
const line = memory.data(<i32>LINE_MAX);
const history = memory.data(<i32>(HISTORY * LINE_MAX));
const historyLen = memory.data(<i32>(HISTORY * 4));
let len: u32 = 0;
let stored: u32 = 0;   // lines in the history (at most HISTORY; the newest at (stored - 1) % HISTORY)
let lastWasCr = false;

/** The line read by the last line_read: its address and length. */
export function line_addr(): usize { return line; }
export function line_len(): u32 { return len; }

function erase(n: u32): void { for (let i: u32 = 0; i < n; i++) puts("\b \b"); }

/** Replaces what is typed with history entry `k` (0 = the newest). */
function recall(k: u32): void {
  const slot = (stored - 1 - k) % HISTORY;
  erase(len);
  len = load<u32>(historyLen + (slot << 2));
  memory.copy(line, history + slot * LINE_MAX, len);
  for (let i: u32 = 0; i < len; i++) putc(load<u8>(line + i));
}

function remember(): void {
  if (len == 0) return;
  const slot = stored % HISTORY;
  memory.copy(history + slot * LINE_MAX, line, len);
  store<u32>(historyLen + (slot << 2), len);
  stored++;
}

/**
 * Prints `prompt` and reads one line into the line buffer (line_addr / line_len), echoing and
 * editing as it goes. Returns false when the line was abandoned with Ctrl-C.
 */
export function line_read(prompt: string): bool {
  puts(prompt);
  len = 0;
  let back: u32 = 0; // how far Up has gone into the history (0: the line being typed)
  for (;;) {
    const c = console_getc();
    if (c == 10 && lastWasCr) { lastWasCr = false; continue; } // the LF of CR LF
    lastWasCr = c == 13;
    if (c == 13 || c == 10) { puts("\n"); remember(); return true; }
    if (c == 3) { puts("^C\n"); len = 0; return false; }
    if (c == 21) { erase(len); len = 0; continue; }
    if (c == 8 || c == 127) { if (len > 0) { erase(1); len--; } continue; }
    if (c == 27) { // ESC [ A / B: history; other sequences are ignored
      if (console_getc() != 91) continue;
      const k = console_getc();
      if (k == 65 && back < stored && back < HISTORY) { recall(back); back++; }
      else if (k == 66 && back > 0) { back--; if (back > 0) recall(back - 1); else { erase(len); len = 0; } }
      continue;
    }
    if (c < 32 || c > 126 || len >= LINE_MAX) continue; // other control bytes; a full line
    store<u8>(line + len, c);
    len++;
    putc(c);
  }
  return false; // not reached: the loop only returns
}
