// The live heap map on a <canvas>: one band per heap (TLSF above, palloc below), its blocks in
// address order left to right, wrapped over a few rows, used and free in two colours; above each
// band the heap's range in hex and its figures. The data comes from Machine.heapMap()
// (emulator/heapmap.ts). Units: CSS pixels for layout (the canvas is scaled by devicePixelRatio),
// bytes and u32 virtual addresses for the data.
//
//   ■ used  ■ free  ■ not walked
//   TLSF heap  0xd0000000 – 0xd0411000 (4.1 MiB, may grow to 0xe0000000)
//   used 4,104 B in 1 block · free 4,259,824 B in 1 block · 0x00082200 bytes per row
//   0xd0000000 |█░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░|
//   0xd0082200 |░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░|   …8 rows
//
// Parts of the TLSF range that are demand-paged and never touched are inside its free block, so
// they are drawn as free. A walk that stopped at a torn header (complete: false) leaves the rest
// of its range "not walked". blockAt() finds the block under the mouse (the page's tooltip).

import type { HeapBlock, HeapMap, HeapView } from "../heapmap.ts";

export const COLORS = {
  background: "#14171c",
  text: "#d8dee9",
  dim: "#8a93a3",
  used: "#e8893a",
  free: "#2f6e5a",
  unknown: "#4a4f5a",
  edge: "#14171c",
  warn: "#e5c07b",
} as const;

const FONT = "12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
const BOLD = `bold ${FONT}`;
const PAD = 12;
const LINE = 17;
const GUTTER = 96;   // the row's start address, left of the row
const ROW_H = 14;
const ROW_GAP = 3;
const ROWS: Record<HeapView["name"], number> = { tlsf: 8, palloc: 4 };
const TITLES: Record<HeapView["name"], string> = { tlsf: "TLSF heap", palloc: "palloc pool" };
const EDGE_MIN_PX = 4; // block edges are drawn only where blocks are this wide
const USED_MIN_PX = 2; // the smallest used block stays visible
const ROW_ALIGN = 0x100;

/** A string that changes exactly when the drawing of `map` would. */
export function heapMapKey(map: HeapMap | undefined): string {
  if (!map) return "none";
  const view = (v: HeapView) => `${v.start},${v.end},${v.limit},${v.complete}:` + v.blocks.map((b) => `${b.addr},${b.size},${b.used ? 1 : 0}`).join(";");
  return `${view(map.tlsf)}|${view(map.palloc)}`;
}

/** Draws heap maps on `canvas`, only when the map or the canvas width changed. */
export class HeapMapCanvas {
  /** How many times the map was drawn (the page's test hook reads it). */
  redraws = 0;
  private key = "";
  private last: HeapMap | undefined;
  /** Where each band's blocks were drawn, for blockAt. */
  private drawn: { grid: Grid; view: HeapView }[] = [];

  constructor(private canvas: HTMLCanvasElement) {}

  /** Draws the last map again if the canvas's width changed (a resize). */
  refit(): boolean { return this.update(this.last); }

  /** Draws `map` unless it is the one already drawn at this width; returns whether it drew. */
  update(map: HeapMap | undefined): boolean {
    this.last = map;
    const width = Math.max(320, Math.floor(this.canvas.parentElement?.clientWidth ?? 800));
    const key = `${width}@${devicePixelRatio}#${heapMapKey(map)}`;
    if (key === this.key) return false;
    this.key = key;
    this.draw(map, width);
    this.redraws++;
    return true;
  }

  /**
   * The block drawn at (x, y), canvas CSS pixels from its top left, with its heap; undefined
   * between rows, in the gutter or past the heap's end.
   */
  blockAt(x: number, y: number): { heap: HeapView["name"]; block: HeapBlock } | undefined {
    for (const { grid, view } of this.drawn) {
      const row = Math.floor((y - grid.y) / (ROW_H + ROW_GAP));
      if (row < 0 || row >= grid.rows || y - grid.y - row * (ROW_H + ROW_GAP) >= ROW_H || x < grid.x || x >= grid.x + grid.rowW) continue;
      const addr = view.start + (row * grid.rowW + (x - grid.x)) * grid.bytesPerPx;
      const block = findBlock(view.blocks, addr);
      return block ? { heap: view.name, block } : undefined;
    }
    return undefined;
  }

  private draw(map: HeapMap | undefined, width: number): void {
    this.drawn = [];
    const height = map ? PAD + LINE + bandHeight(map.tlsf) + bandHeight(map.palloc) : PAD * 2 + LINE;
    const dpr = devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const g = this.canvas.getContext("2d")!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = COLORS.background;
    g.fillRect(0, 0, width, height);
    g.textBaseline = "middle";
    if (!map) {
      text(g, "heap map: waiting for the kernel to announce its heaps…", PAD, PAD + LINE / 2, COLORS.dim);
      return;
    }
    let y = legend(g, width);
    y = band(g, map.tlsf, y, width, this.drawn);
    band(g, map.palloc, y, width, this.drawn);
  }
}

function bandHeight(v: HeapView): number { return 2 * LINE + ROWS[v.name] * (ROW_H + ROW_GAP) + PAD; }

function text(g: CanvasRenderingContext2D, s: string, x: number, y: number, color: string, font = FONT): number {
  g.font = font;
  g.fillStyle = color;
  g.fillText(s, x, y);
  return x + g.measureText(s).width;
}

/** The colour key at the top right and the title at the top left; returns the y below them. */
function legend(g: CanvasRenderingContext2D, width: number): number {
  const y = PAD + LINE / 2 - 2;
  text(g, "heap map (live, from guest memory)", PAD, y, COLORS.dim);
  let x = width - PAD - 3 * 96;
  for (const [label, color] of [["used", COLORS.used], ["free", COLORS.free], ["not walked", COLORS.unknown]] as const) {
    g.fillStyle = color;
    g.fillRect(x, y - 5, 10, 10);
    x = text(g, label, x + 15, y, COLORS.text) + 22;
  }
  return PAD + LINE;
}

/** One heap: its title and figures, then its blocks over ROWS rows; returns the y below it. */
function band(g: CanvasRenderingContext2D, v: HeapView, y: number, width: number, drawn: { grid: Grid; view: HeapView }[]): number {
  const span = Math.max(1, v.end - v.start);
  let x = text(g, TITLES[v.name], PAD, y + LINE / 2, COLORS.text, BOLD);
  const grows = v.limit > v.end ? `, may grow to ${hex(v.limit)}` : "";
  text(g, `  ${hex(v.start)} – ${hex(v.end)} (${size(span)}${grows})`, x, y + LINE / 2, COLORS.dim);
  y += LINE;
  const rows = ROWS[v.name], rowW = width - GUTTER - PAD;
  const bytesPerRow = Math.ceil(span / rows / ROW_ALIGN) * ROW_ALIGN; // rows start at round addresses
  const bytesPerPx = bytesPerRow / rowW;
  x = text(g, `used ${bytes(v.usedBytes)} in ${count(v.usedBlocks, "block")} · free ${bytes(v.freeBytes)} in ${count(v.freeBlocks, "block")} · ${hex(bytesPerRow)} bytes per row`, PAD, y + LINE / 2, COLORS.text);
  if (!v.complete) text(g, " · walk stopped at a torn header", x, y + LINE / 2, COLORS.warn);
  y += LINE;
  const grid: Grid = { g, x: GUTTER, y, rowW, rows, bytesPerPx };
  for (let r = 0; r < rows; r++) {
    const addr = v.start + r * bytesPerRow;
    text(g, hex(addr), PAD, y + r * (ROW_H + ROW_GAP) + ROW_H / 2, COLORS.dim);
  }
  blocks(grid, v);
  drawn.push({ grid, view: v });
  return y + rows * (ROW_H + ROW_GAP) + PAD;
}

interface Grid { g: CanvasRenderingContext2D; x: number; y: number; rowW: number; rows: number; bytesPerPx: number }

/** The blocks: free as the background, used on top (at least a pixel wide), edges where they fit. */
function blocks(grid: Grid, v: HeapView): void {
  const total = grid.rows * grid.rowW;
  const px = (addr: number) => Math.min(total, Math.round((addr - v.start) / grid.bytesPerPx));
  const walked = v.blocks.length ? v.blocks[v.blocks.length - 1].addr + v.blocks[v.blocks.length - 1].size : v.start;
  span(grid, 0, px(v.end), COLORS.free);
  if (!v.complete) span(grid, px(walked), px(v.end), COLORS.unknown);
  for (const b of v.blocks) {
    if (!b.used) continue;
    const p0 = px(b.addr);
    span(grid, p0, Math.max(p0 + USED_MIN_PX, px(b.addr + b.size)), COLORS.used);
  }
  for (const b of v.blocks) {
    const p0 = px(b.addr), p1 = px(b.addr + b.size);
    if (p1 - p0 >= EDGE_MIN_PX && p0 > 0) span(grid, p0, p0 + 1, COLORS.edge);
  }
}

/** Fills linear pixels [p0, p1) of the grid, wrapping over its rows. */
function span(grid: Grid, p0: number, p1: number, color: string): void {
  grid.g.fillStyle = color;
  for (let p = p0; p < p1;) {
    const row = Math.floor(p / grid.rowW), col = p - row * grid.rowW;
    if (row >= grid.rows) break;
    const n = Math.min(p1 - p, grid.rowW - col);
    grid.g.fillRect(grid.x + col, grid.y + row * (ROW_H + ROW_GAP), n, ROW_H);
    p += n;
  }
}

/** The block of `blocks` (in address order) that holds `addr`, by binary search. */
function findBlock(blocks: HeapBlock[], addr: number): HeapBlock | undefined {
  let lo = 0, hi = blocks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1, b = blocks[mid];
    if (addr < b.addr) hi = mid - 1;
    else if (addr >= b.addr + b.size) lo = mid + 1;
    else return b;
  }
  return undefined;
}

/** What a block is, in one line: the tooltip of the map. */
export function describeBlock(heap: HeapView["name"], b: HeapBlock): string {
  const payload = b.addr + 8;
  return `${TITLES[heap]}: ${b.used ? "used" : "free"} block ${hex(b.addr)}, ${bytes(b.size)} with its 8-byte header` +
    (b.used ? ` (payload ${hex(payload)}: free ${hex(payload)})` : "");
}

/** 0x-hex, 8 digits. */
export function hex(n: number): string { return "0x" + (n >>> 0).toString(16).padStart(8, "0"); }

/** Bytes with thousands separators: 4,104 B. */
function bytes(n: number): string { return `${n.toLocaleString("en-US")} B`; }

/** A size in KiB or MiB, one decimal. */
function size(n: number): string { return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`; }

function count(n: number, what: string): string { return `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`; }
