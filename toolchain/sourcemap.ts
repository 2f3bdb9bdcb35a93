// Source maps for wasm: asc (binaryen) writes a v3 source map whose single generated line has one
// segment per mapped expression, its "column" being the expression's byte offset in the module.
// This module decodes it into a sorted offset table and answers "which TS file:line:col is the
// wasm byte at offset X?". Units: wasm module byte offsets; lines and columns are 1-based.

export interface SourcePos { file: string; line: number; col: number }

export class SourceMap {
  private offsets: number[] = [];
  private entries: SourcePos[] = [];

  constructor(public files: string[]) {}

  /** Decodes the JSON text of a v3 source map. Throws on malformed mappings. */
  static parse(json: string | object): SourceMap {
    const raw = (typeof json === "string" ? JSON.parse(json) : json) as { sources?: string[]; mappings?: string };
    if (!raw || !Array.isArray(raw.sources) || typeof raw.mappings !== "string") {
      throw new Error("malformed source map: no sources or mappings");
    }
    const map = new SourceMap(raw.sources);
    let col = 0, src = 0, line = 0, scol = 0;
    for (const group of raw.mappings.split(";")) {
      col = 0; // each generated line restarts columns; wasm maps have just one line
      for (const seg of group.split(",")) {
        if (!seg) continue;
        const v = decodeVlq(seg);
        col += v[0];
        if (v.length >= 4) {
          src += v[1]; line += v[2]; scol += v[3];
          map.offsets.push(col);
          map.entries.push({ file: raw.sources[src], line: line + 1, col: scol + 1 });
        }
      }
    }
    // binaryen emits in increasing order; keep it robust anyway.
    const idx = map.offsets.map((_, i) => i).sort((a, b) => map.offsets[a] - map.offsets[b]);
    map.offsets = idx.map((i) => map.offsets[i]);
    map.entries = idx.map((i) => map.entries[i]);
    return map;
  }

  /** The position of the first mapping after `offset` and before `ceil`; null if none. */
  lookupAfter(offset: number, ceil: number): SourcePos | null {
    let lo = 0, hi = this.offsets.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid] > offset) { found = mid; hi = mid - 1; } else lo = mid + 1;
    }
    if (found < 0 || this.offsets[found] >= ceil) return null;
    return this.entries[found];
  }

  /** The position of the nearest mapping at or before `offset`, not before `floor`; null if none. */
  lookup(offset: number, floor = 0): SourcePos | null {
    let lo = 0, hi = this.offsets.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid] <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0 || this.offsets[found] < floor) return null;
    return this.entries[found];
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Decodes one base64 VLQ segment into its signed integers. */
export function decodeVlq(seg: string): number[] {
  const out: number[] = [];
  let value = 0, shift = 0;
  for (const ch of seg) {
    const d = B64_INDEX.get(ch);
    if (d === undefined) throw new Error(`malformed source map: bad VLQ character '${ch}'`);
    value += (d & 31) * 2 ** shift;
    if (d & 32) { shift += 5; continue; }
    out.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0; shift = 0;
  }
  if (shift !== 0) throw new Error("malformed source map: truncated VLQ");
  return out;
}
