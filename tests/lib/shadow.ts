// A byte-range shadow model of an allocator's pools, and a differential fuzz driver built on it.
// Units: bytes of the kernel's linear memory (addresses as JS numbers, 0..2^32).
//
// The shadow knows every byte's state: Invalid (outside every pool), Free (in a pool, in no live
// block) or Used (in a live block). An allocator's answer is checked against it: a new block must
// lie inside one pool over Free bytes only and be aligned as asked. When given the memory, the
// shadow fills each live block with a tag byte and verifies it when the block is freed or
// reallocated, so damage to a live payload (by the allocator's own metadata, a wrong split, a
// junk fill) is caught. Failures are strings naming the operation.

/** The state of one byte. */
export const Byte = { Free: 0, Used: 1, Invalid: 2 } as const;
export type Byte = (typeof Byte)[keyof typeof Byte];

interface Region { base: number; bytes: Uint8Array }
interface Live { size: number; usable: number; align: number; tag: number }

/** Tag bytes: never 0x00, 0xFF or the junk bytes 0xA5 / 0xDD, so a zeroed or junk-filled payload never looks intact. */
const TAGS = [...Array(256).keys()].filter((v) => v !== 0 && v !== 0xff && v !== 0xa5 && v !== 0xdd);

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export class Shadow {
  private regions: Region[] = [];
  /** Live blocks by address. */
  readonly live = new Map<number, Live>();
  /** Failures recorded so far (onAlloc, onFree, onRealloc, verify, check), each prefixed with `where`. */
  readonly failures: string[] = [];
  /** Names the current operation in failures (the fuzz driver sets "op N"). */
  where = "";
  /** Bytes marked Used (the usable sizes of live blocks). */
  usedBytes = 0;
  private nextTag = 0;
  private words: Uint32Array | null;

  /**
   * Shadows the pool [poolBase, poolBase + poolSize), all Free. With `mem` (the whole linear
   * memory), live blocks carry tag bytes that are verified when they are freed.
   */
  constructor(poolBase: number, poolSize: number, private mem?: Uint8Array) {
    this.words = mem ? new Uint32Array(mem.buffer, mem.byteOffset, mem.byteLength >>> 2) : null;
    this.addPool(poolBase, poolSize);
  }

  /** Adds the pool [base, base + size) (all Free); one that touches a pool merges with it. */
  addPool(base: number, size: number): void {
    let lo = base, hi = base + size;
    const keep: Region[] = [];
    const merged: Region[] = [];
    for (const r of this.regions) {
      const rhi = r.base + r.bytes.length;
      if (rhi >= lo && r.base <= hi) { merged.push(r); lo = Math.min(lo, r.base); hi = Math.max(hi, rhi); }
      else keep.push(r);
    }
    const bytes = new Uint8Array(hi - lo).fill(Byte.Invalid);
    bytes.fill(Byte.Free, base - lo, base + size - lo);
    for (const r of merged) bytes.set(r.bytes, r.base - lo);
    keep.push({ base: lo, bytes });
    this.regions = keep;
  }

  /** Marks [base, base + size) Invalid: bytes of a pool that no block may cover (an allocator's own data). */
  reserve(base: number, size: number): void {
    const r = this.regionOf(base, size);
    if (r) r.bytes.fill(Byte.Invalid, base - r.base, base + size - r.base);
  }

  /** The state of the byte at `addr`. */
  state(addr: number): Byte {
    const r = this.regionOf(addr, 1);
    return r ? r.bytes[addr - r.base] as Byte : Byte.Invalid;
  }

  private regionOf(addr: number, size: number): Region | null {
    for (const r of this.regions) if (addr >= r.base && addr + size <= r.base + r.bytes.length) return r;
    return null;
  }

  /** Records a failure (prefixed with `where`) and returns it. */
  fail(what: string): string {
    const f = this.where ? `${this.where}: ${what}` : what;
    this.failures.push(f);
    return f;
  }

  /** Why [ptr, ptr + usable) cannot be a new block aligned to `align`, or null. */
  private placeError(ptr: number, size: number, align: number, usable: number): string | null {
    const what = `alloc(${size}, ${align}) = ${hex(ptr)}`;
    if (ptr % align !== 0) return `${what}: misaligned`;
    if (usable < size) return `${what}: usable size ${usable} < ${size}`;
    const r = this.regionOf(ptr, usable);
    if (!r) return `${what}: outside the pools (${usable} bytes)`;
    const span = r.bytes.subarray(ptr - r.base, ptr - r.base + usable);
    const used = span.indexOf(Byte.Used), invalid = span.indexOf(Byte.Invalid);
    if (used >= 0) return `${what}: overlaps a live block at ${hex(ptr + used)}`;
    if (invalid >= 0) return `${what}: covers bytes outside the pools at ${hex(ptr + invalid)}`;
    return null;
  }

  private mark(ptr: number, usable: number, state: Byte): void {
    const r = this.regionOf(ptr, usable)!;
    r.bytes.fill(state, ptr - r.base, ptr - r.base + usable);
    this.usedBytes += state === Byte.Used ? usable : -usable;
  }

  private tag(ptr: number, usable: number): number {
    const tag = TAGS[this.nextTag++ % TAGS.length];
    this.mem?.fill(tag, ptr, ptr + usable);
    return tag;
  }

  /** The first offset in [ptr, ptr + n) whose byte is not `tag`, or -1. */
  private damage(ptr: number, n: number, tag: number): number {
    const mem = this.mem, words = this.words;
    if (!mem || !words) return -1;
    let i = 0;
    if (ptr % 4 === 0) {
      const w = (tag * 0x01010101) >>> 0, base = ptr >>> 2;
      for (; i + 4 <= n; i += 4) if (words[base + (i >>> 2)] !== w) break;
    }
    for (; i < n; i++) if (mem[ptr + i] !== tag) return i;
    return -1;
  }

  /**
   * Records that the allocator returned `ptr` for `size` bytes aligned to `align`, with `usable`
   * bytes the caller may use (default `size`). Returns the failure, or null.
   */
  onAlloc(ptr: number, size: number, align: number, usable = size): string | null {
    const e = this.placeError(ptr, size, align, usable);
    if (e) return this.fail(e);
    this.mark(ptr, usable, Byte.Used);
    this.live.set(ptr, { size, usable, align, tag: this.tag(ptr, usable) });
    return null;
  }

  /** Verifies live block `ptr`'s payload tag; returns the failure, or null. */
  verify(ptr: number): string | null {
    const b = this.live.get(ptr);
    if (!b) return this.fail(`${hex(ptr)} is not a live block of the shadow`);
    const at = this.damage(ptr, b.usable, b.tag);
    if (at < 0) return null;
    return this.fail(`block ${hex(ptr)} (${b.size} bytes): payload damaged at +${at} while live`);
  }

  /** Records that live block `ptr` was freed (after verifying its tag). Returns the failure, or null. */
  onFree(ptr: number): string | null {
    const e = this.verify(ptr);
    const b = this.live.get(ptr);
    if (!b) return e;
    this.mark(ptr, b.usable, Byte.Free);
    this.live.delete(ptr);
    return e;
  }

  /**
   * Records that live block `oldPtr` (verified before the call) was resized to `size` at
   * `newPtr` with `usable` bytes: the new block must keep the old alignment and the first
   * min(old size, size) bytes. Returns the failure, or null.
   */
  onRealloc(oldPtr: number, newPtr: number, size: number, usable = size): string | null {
    const b = this.live.get(oldPtr);
    if (!b) return this.fail(`realloc(${hex(oldPtr)}): not a live block of the shadow`);
    this.mark(oldPtr, b.usable, Byte.Free);
    this.live.delete(oldPtr);
    const e = this.placeError(newPtr, size, b.align, usable);
    if (e) return this.fail(`re${e} (from ${hex(oldPtr)})`);
    const kept = Math.min(b.size, size);
    const at = this.damage(newPtr, kept, b.tag);
    if (at >= 0) return this.fail(`realloc(${hex(oldPtr)}, ${size}) = ${hex(newPtr)}: contents lost at +${at}`);
    this.mark(newPtr, usable, Byte.Used);
    this.live.set(newPtr, { size, usable, align: b.align, tag: this.tag(newPtr, usable) });
    return null;
  }

  /**
   * Full verification: every live block's tag, and the Used byte count against the live blocks.
   * Returns every failure recorded so far plus those found now.
   */
  check(): string[] {
    let used = 0;
    for (const [ptr, b] of this.live) { this.verify(ptr); used += b.usable; }
    if (used !== this.usedBytes) this.fail(`shadow: ${this.usedBytes} bytes Used, live blocks hold ${used}`);
    let marked = 0;
    for (const r of this.regions) for (const v of r.bytes) if (v === Byte.Used) marked++;
    if (marked !== used) this.fail(`shadow: ${marked} bytes marked Used, live blocks hold ${used}`);
    return this.failures;
  }
}

// ── The differential fuzz ────────────────────────────────────────────────────────────────────

/** An allocator under test, called directly (no lock, no growth). Addresses are unsigned. */
export interface FuzzTarget {
  alloc(size: number, align: number): number; // 0: refused
  free(ptr: number): boolean; // false: not a live block (and nothing changed)
  check(): number; // the allocator's own checker: the number of inconsistencies
  blockSize?(ptr: number): number; // usable bytes of a live block; 0 for anything else
  realloc?(ptr: number, size: number): number; // keeps alignment and contents; 0: refused, block unchanged
  stats?(): { used: number; free: number; blocks?: number }; // used + free must never change
}

export interface FuzzOptions {
  ops: number;
  seed: number;
  /** A request size from `rnd` (uniform in 0..n-1). Default: 70% 1..128, 25% 129..2048, 5% 2049..16384. */
  size?: (rnd: (n: number) => number) => number;
  /** Aligned requests use 2^0 .. 2^maxAlignLog2 (default 12); plain ones ask for `minAlign`. */
  maxAlignLog2?: number;
  /** The alignment every block has (default 8). */
  minAlign?: number;
  /** Every ~2000 operations everything is freed; then alloc(whole.size) must succeed (at whole.at if given). */
  whole?: { size: number; at?: number };
  /** Pointers outside every pool, tried as bad frees (besides null, misaligned, interior, wild, double). */
  foreign?: number[];
  /** Stop after this many failures (default 5). */
  maxFailures?: number;
  /** The shadow's full check runs every this many operations (default 10,000); the target's after each. */
  fullCheckEvery?: number;
  /** Called after every allocation: the bytes the target's heap grew by since the last call (the caller adds them to the shadow). */
  grown?: () => number;
}

export interface FuzzResult { ops: number; failures: string[]; counts: Record<string, number> }

/**
 * Runs `opts.ops` random operations — allocations (plain and aligned), frees, reallocations,
 * bad frees, and now and then freeing everything — against `target` and `shadow` (fresh: the
 * target's heap empty). After every operation the target's checker must report 0 and its figures
 * must still add up; a bad free must return false and change no figure.
 */
export function fuzz(target: FuzzTarget, shadow: Shadow, opts: FuzzOptions): FuzzResult {
  let rs = opts.seed >>> 0 || 1;
  const rnd = (n: number) => {
    rs ^= rs << 13; rs >>>= 0; rs ^= rs >>> 17; rs ^= rs << 5; rs >>>= 0;
    return rs % n;
  };
  const sizeOf = opts.size ?? ((r) => { const c = r(100); return c < 70 ? 1 + r(128) : c < 95 ? 129 + r(1920) : 2049 + r(14336); });
  const maxAlignLog2 = opts.maxAlignLog2 ?? 12, minAlign = opts.minAlign ?? 8;
  const maxFailures = opts.maxFailures ?? 5, fullEvery = opts.fullCheckEvery ?? 10_000;
  const foreign = opts.foreign ?? [];
  const counts: Record<string, number> = { alloc: 0, refused: 0, free: 0, realloc: 0, badFree: 0, drain: 0 };
  const ptrs: number[] = [...shadow.live.keys()]; // the live blocks, in no order
  const freed: number[] = []; // the last 64 freed addresses, for double frees
  let nFreed = 0;
  const fail = (what: string) => shadow.fail(what);
  const usable = (p: number, size: number) => (target.blockSize ? target.blockSize(p) >>> 0 : size);
  const stats = () => target.stats?.();
  const synced = (p: number) => { if (opts.grown) total += opts.grown(); return p >>> 0; }; // after an allocation
  let total = (() => { const s = stats(); return s ? s.used + s.free : Infinity; })();

  const allocOne = () => {
    const size = sizeOf(rnd);
    const align = rnd(4) === 0 ? 1 << rnd(maxAlignLog2 + 1) : minAlign;
    const p = synced(target.alloc(size, align));
    counts.alloc++;
    if (p === 0) { counts.refused++; return; }
    if (shadow.onAlloc(p, size, Math.max(align, minAlign), usable(p, size)) === null) ptrs.push(p);
  };
  const freeAt = (i: number) => {
    const p = ptrs[i];
    ptrs[i] = ptrs[ptrs.length - 1];
    ptrs.pop();
    shadow.onFree(p);
    if (!target.free(p)) fail(`free(${hex(p)}) of a live block returned false`);
    freed[nFreed++ & 63] = p;
    counts.free++;
  };
  const reallocOne = () => {
    const i = rnd(ptrs.length), p = ptrs[i];
    if (shadow.verify(p) !== null) return;
    const size = rnd(3) === 0 ? Math.max(1, shadow.live.get(p)!.size - rnd(256)) : sizeOf(rnd);
    const q = synced(target.realloc!(p, size));
    counts.realloc++;
    if (q === 0) { counts.refused++; return; }
    if (shadow.onRealloc(p, q, size, usable(q, size)) === null) ptrs[i] = q;
    else { ptrs[i] = ptrs[ptrs.length - 1]; ptrs.pop(); }
  };
  /** A pointer that is not a live block, or null when none of the chosen kind exists now. */
  const badPointer = (): number | null => {
    const kind = rnd(6);
    if (kind === 0) return 0;
    if (kind === 1) { // a double free
      const q = freed[rnd(Math.min(nFreed, 64) || 1)];
      return q === undefined || shadow.live.has(q) ? null : q;
    }
    if (kind === 2) return foreign.length ? foreign[rnd(foreign.length)] : null;
    if (ptrs.length === 0) return null;
    const p = ptrs[rnd(ptrs.length)], b = shadow.live.get(p)!;
    if (kind === 3) { // wild: an aligned address near a live block (a free block, a header, anything)
      const q = p + (rnd(512) - 256) * minAlign;
      return shadow.live.has(q) || q <= 0 ? null : q;
    }
    if (kind === 4) return p + 1 + rnd(minAlign - 1); // misaligned
    return b.usable > minAlign ? p + minAlign * (1 + rnd(Math.floor((b.usable - 1) / minAlign))) : null; // interior
  };
  const badFree = () => {
    const p = badPointer();
    if (p === null) return;
    counts.badFree++;
    const before = JSON.stringify(stats());
    if (target.free(p)) fail(`free(${hex(p)}) of a non-block returned true`);
    else if (JSON.stringify(stats()) !== before) fail(`free(${hex(p)}) of a non-block changed the figures`);
    if (target.blockSize && target.blockSize(p) !== 0) fail(`blockSize(${hex(p)}) of a non-block is not 0`);
  };
  const drain = () => {
    counts.drain++;
    while (ptrs.length) freeAt(ptrs.length - 1);
    if (!opts.whole) return;
    const p = synced(target.alloc(opts.whole.size, minAlign));
    if (p === 0 || (opts.whole.at !== undefined && p !== opts.whole.at)) {
      fail(`after freeing everything, alloc(${opts.whole.size}) = ${hex(p)}: bytes lost`);
    } else if (!target.free(p)) fail(`free of the whole-pool block ${hex(p)} returned false`);
  };

  let op = 0;
  for (; op < opts.ops && shadow.failures.length < maxFailures; op++) {
    shadow.where = `op ${op}`;
    const roll = rnd(2000);
    if (roll === 0) drain();
    else if (roll < (shadow.usedBytes > 0.75 * total ? 600 : 1000)) allocOne();
    else if (roll < 1700) { if (ptrs.length) freeAt(rnd(ptrs.length)); }
    else if (roll < 1880) { if (ptrs.length && target.realloc) reallocOne(); }
    else badFree();

    const bad = target.check();
    if (bad !== 0) fail(`the allocator's checker found ${bad} inconsistencies`);
    const s = stats();
    if (s && s.used + s.free !== total) fail(`used ${s.used} + free ${s.free} != ${total}: bytes lost`);
    if (s?.blocks !== undefined && s.blocks !== ptrs.length) fail(`the allocator counts ${s.blocks} live blocks, the shadow ${ptrs.length}`);
    if ((op + 1) % fullEvery === 0) shadow.check();
  }
  shadow.where = "at the end";
  if (shadow.failures.length < maxFailures) drain();
  shadow.check();
  return { ops: op, failures: shadow.failures.slice(0, maxFailures), counts };
}
