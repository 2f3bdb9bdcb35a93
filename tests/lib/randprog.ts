// A seeded generator of random kernel-ts programs for differential testing (wasm under V8 vs kbc on
// the host interpreter). generateProgram(seed) is a pure function of the seed: it uses its own
// xorshift32 generator, never Math.random.
//
// Every program it emits builds (only i32/u32/i64/u64/bool and the small integer types, no
// floats, allocation, strings or closures), terminates quickly (every loop has a constant
// iteration bound, recursion has a depth parameter, and a static cost estimate caps calls inside
// loops), never traps (divisors are made nonzero, INT_MIN / -1 and INT64_MIN / -1 are avoided,
// memory traffic stays inside the scratch region 0x400000 + (x & 0xFFFF)) and prints every value
// it computes over serial, 64-bit values in full (show64: both words in hex, then in decimal).
//
// About 40% of the value types it picks (locals, parameters, results, globals, loop counters,
// printed expressions) are i64/u64, and expressions convert between all four types, so most
// functions mix 32- and 64-bit arithmetic.

type T = "i32" | "u32" | "i64" | "u64";
type Small = "u8" | "i8" | "u16" | "i16";

const is64 = (t: T): boolean => t === "i64" || t === "u64";
const isSigned = (t: T): boolean => t === "i32" || t === "i64";
const ALL_T: readonly T[] = ["i32", "u32", "i64", "u64"];
const T32: readonly T[] = ["i32", "u32"];
const T64: readonly T[] = ["i64", "u64"];
/** 64-bit constants at the edges: word boundaries, the sign bit, all-ones. */
const EDGE64: readonly bigint[] = [
  0x8000000000000000n, 0xFFFFFFFFFFFFFFFFn, 0x7FFFFFFFFFFFFFFFn, 0x100000000n, 0xFFFFFFFFn, 0x80000000n, 0x7FFFFFFFn,
  0x100000001n, 0xFFFFFFFF00000000n, 0xFFFFFFFF80000000n, 0x8000000000000001n, 0x1FFFFFFFFn, 0xFFFFn, 0x10000n,
];

/** xorshift32, seeded through a multiplicative mix so nearby seeds diverge at once. */
class Rng {
  private s: number;
  constructor(seed: number) {
    let s = (Math.imul((seed | 0) ^ 0x5bd1e995, 0x9e3779b1) ^ 0x2545f491) >>> 0;
    s ^= s >>> 15; s = Math.imul(s, 0x85ebca6b) >>> 0; s ^= s >>> 13;
    this.s = s === 0 ? 0x12345678 : s;
    for (let i = 0; i < 4; i++) this.next();
  }
  next(): number {
    let x = this.s;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** 0 .. n-1 */
  int(n: number): number { return this.next() % n; }
  /** lo .. hi inclusive */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.next() / 4294967296 < p; }
  pick<X>(xs: readonly X[]): X { return xs[this.int(xs.length)]; }
  /** Index chosen by weight. */
  weighted(ws: readonly number[]): number {
    let total = 0;
    for (const w of ws) total += w;
    let k = this.next() % total;
    for (let i = 0; i < ws.length; i++) { if (k < ws[i]) return i; k -= ws[i]; }
    return ws.length - 1;
  }
}

interface Var { name: string; type: T; assignable: boolean }
interface SmallVar { name: string; type: Small }
interface Fn { name: string; params: (T | Small)[]; ret: T | "void"; rec: boolean; cost: number; leaf: boolean }
/** What the names of kmain's locals of each type are. */
const KMAIN_VAR: Record<T, string> = { i32: "r", u32: "q", i64: "h", u64: "w" };

/** Memory layout of a generated program. */
const SCRATCH = 0x400000;      // scratch region: SCRATCH .. SCRATCH + 0xFFFF (+ offset + 7 for a u64 at the top)
const FTABLE = 0x411000;       // 4 function references (u32 each) to f0 / f1, outside the scratch region
const FTABLE64 = 0x411100;     // 4 function references to f2 / f3
const DECBUF = 0x412000;       // the decimal printer's digit buffer
const GUARD = 0x413000;        // never written (reads 0): guards code that must never run
const COST_BUDGET = 6000;      // static cost estimate per generated function
const N_LEAF = 4;              // the only indirect-call targets: f0, f1: BinFn; f2, f3: Bin64
const N_LEAF32 = 2;            // f0, f1: (a: i32, b: i32) => i32; f2, f3: (a: u64, b: u32) => u64

const hex = (n: number) => "0x" + (n >>> 0).toString(16).toUpperCase();
const hex64 = (n: bigint) => "0x" + BigInt.asUintN(64, n).toString(16).toUpperCase();

class Gen {
  private r: Rng;
  private out: string[] = [];
  private ind = 0;
  private fns: Fn[] = [];
  private globals: Var[] = [];
  private site = 0;
  // Per-function state.
  private vars: Var[] = [];
  private smalls: SmallVar[] = [];
  private counters: Var[] = [];
  private loopDepth = 0;
  private inSwitch = 0;
  private mult = 1;
  private cost = 0;
  private cur!: Fn;
  private uniq = 0;
  private fnStart = 0;        // first output line of the current function
  private fnCap = 40;         // lines per function before statements stop nesting

  constructor(seed: number) { this.r = new Rng(seed); }

  private line(s: string): void { this.out.push("  ".repeat(this.ind) + s); }

  // ---------------------------------------------------------------- constants

  /** A value type: 32-bit three times in five, 64-bit twice. */
  private pickT(): T { return ALL_T[this.r.weighted([3, 3, 2, 2])]; }

  private konst(t: T): string {
    if (is64(t)) return this.konst64(t);
    const r = this.r;
    const k = r.weighted([6, 3, 3, 3, 2, 2, 4]);
    let v: number;
    switch (k) {
      case 0: v = r.range(0, 16); break;
      case 1: v = r.range(-16, -1); break;
      case 2: v = r.pick([0x7fffffff, 0x80000000, -1, 0xffffffff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7f, 0x80, 0xff, 0x100]); break;
      case 3: v = r.next(); break;
      case 4: v = r.range(-128, 127); break;
      case 5: v = 1 << r.int(32); break;
      default: v = r.range(17, 1000); break;
    }
    // Literals always carry their type: a bare literal takes the contextual type (`<u32>(1 < x)`
    // would compare u32 with i32, a build error).
    if (t === "i32") {
      v |= 0;
      return r.chance(0.5) || v < 0 ? `<i32>(${v})` : `<i32>${v < 10 ? v : hex(v)}`;
    }
    v >>>= 0;
    return r.chance(0.7) ? `<u32>${hex(v)}` : `<u32>${v}`;
  }

  private konst64(t: T): string {
    const r = this.r;
    const k = r.weighted([6, 3, 4, 3, 2, 2, 3, 3]);
    let v: bigint;
    switch (k) {
      case 0: v = BigInt(r.range(0, 16)); break;
      case 1: v = BigInt(r.range(-16, -1)); break;
      case 2: v = r.pick(EDGE64); break;
      case 3: v = (BigInt(r.next()) << 32n) | BigInt(r.next()); break;
      case 4: v = BigInt(r.range(-128, 127)); break;
      case 5: v = 1n << BigInt(r.int(64)); break;
      case 6: v = r.chance(0.5) ? BigInt(r.next() | 0) : BigInt(r.next()); break; // a 32-bit value, sign- or zero-extended
      default: v = BigInt(r.range(17, 1000)); break;
    }
    if (t === "i64") {
      v = BigInt.asIntN(64, v);
      // never a decimal -9223372036854775808: its magnitude does not fit an i64 literal
      if (v === -(1n << 63n) || r.chance(0.3)) return `<i64>${hex64(v)}`;
      return `<i64>(${v})`;
    }
    v = BigInt.asUintN(64, v);
    return r.chance(0.7) ? `<u64>${hex64(v)}` : `<u64>${v}`;
  }

  // ---------------------------------------------------------------- expressions

  private cast(t: T, e: string, from: T): string { return from === t ? e : `<${t}>${e}`; }

  private leaf(t: T, depth = 4): string {
    const r = this.r;
    const choice = r.weighted([10, 4, 3, 2, 3, 2]);
    if (choice === 0 && this.vars.length) { const v = r.pick(this.vars); return this.cast(t, v.name, v.type); }
    if (choice === 1) return this.konst(t);
    if (choice === 2 && this.globals.length) { const g = r.pick(this.globals); return this.cast(t, g.name, g.type); }
    if (choice === 3 && this.smalls.length) return `<${t}>${r.pick(this.smalls).name}`;
    if (choice === 4 && this.counters.length) { const c = r.pick(this.counters); return this.cast(t, c.name, c.type); }
    if (choice === 5 && depth < 6) return this.load(t, depth);
    if (this.vars.length) { const v = r.pick(this.vars); return this.cast(t, v.name, v.type); }
    return this.konst(t);
  }

  /** An address inside the scratch region (from a 32-bit or, wrapped, a 64-bit value). */
  private addr(depth: number): string {
    const r = this.r;
    const e = r.chance(0.25) ? `<u32>${this.expr(r.pick(T64), depth + 1)}` : this.expr("u32", depth + 1);
    return r.chance(0.3) ? `${hex(SCRATCH)} + (${e} & 0xFFF0)` : `${hex(SCRATCH)} + (${e} & 0xFFFF)`;
  }

  private load(t: T, depth: number): string {
    const r = this.r;
    const off = r.chance(0.3) ? `, ${r.pick([1, 2, 3, 4, 8, 12, 15])}` : "";
    if (is64(t) && r.chance(0.3)) { // the i64 builtins: i64.load8_s .. i64.load32_u, i64.load
      const k = r.pick(["load8_s", "load8_u", "load16_s", "load16_u", "load32_s", "load32_u", "load"]);
      const e = `i64.${k}(${this.addr(depth)}${off})`;
      return t === "i64" ? e : `<u64>${e}`;
    }
    const k = r.pick(["u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64"] as const);
    // always cast, even to its own type: a bare load<u32>(p) in an i64 context (say the left side
    // of a compare inside <i64>(...)) loads an i64, and the compare then mixes i64 with u32
    return `<${t}>load<${k}>(${this.addr(depth)}${off})`;
  }

  private cond(depth: number): string {
    const r = this.r;
    const k = r.weighted([10, 2, 2, 1, 2, 1]);
    if (depth < 3 && k === 1) return `(${this.cond(depth + 1)} && ${this.cond(depth + 1)})`;
    if (depth < 3 && k === 2) return `(${this.cond(depth + 1)} || ${this.cond(depth + 1)})`;
    if (depth < 3 && k === 3) return `(!${this.cond(depth + 1)})`;
    if (k === 4) { const t = this.pickT(); return `(${this.expr(t, depth + 1)} != 0)`; }
    const t = this.pickT();
    const op = r.pick(["==", "!=", "<", "<=", ">", ">="]);
    // `x < (y | z)` makes asc try `x<...>` as type arguments and fail: the left side of < goes in ()
    const a = this.expr(t, depth + 1);
    return `(${op === "<" ? `(${a})` : a} ${op} ${this.expr(t, depth + 1)})`;
  }

  /** A call of an earlier function (or an indirect call), if the cost budget allows; else null. */
  private call(t: T, depth: number): string | null {
    const r = this.r;
    const cands = this.fns.filter((f) => f.ret !== "void" && this.mult * f.cost + this.cost <= COST_BUDGET);
    const leafCost = Math.max(...this.fns.slice(0, N_LEAF).map((f) => f.cost));
    const indirectOk = !this.cur.leaf && this.fns.length >= N_LEAF && this.mult * leafCost + this.cost <= COST_BUDGET;
    if (indirectOk && r.chance(0.35)) {
      this.cost += this.mult * leafCost;
      if (r.chance(0.5)) { // (a: u64, b: u32) => u64
        const a = this.expr("u64", depth + 1), b = this.expr("u32", depth + 1);
        const e = r.chance(0.5)
          ? `fq(${a}, ${b})`
          : `changetype<Bin64>(load<usize>(${hex(FTABLE64)} + ((${this.expr("u32", depth + 1)} & 3) << 2)))(${a}, ${b})`;
        return this.cast(t, e, "u64");
      }
      const a = this.expr("i32", depth + 1), b = this.expr("i32", depth + 1);
      const e = r.chance(0.5)
        ? `fp(${a}, ${b})`
        : `changetype<BinFn>(load<usize>(${hex(FTABLE)} + ((${this.expr("u32", depth + 1)} & 3) << 2)))(${a}, ${b})`;
      return this.cast(t, e, "i32");
    }
    if (!cands.length) return null;
    const f = r.pick(cands);
    this.cost += this.mult * f.cost;
    return this.cast(t, `${f.name}(${this.args(f, depth)})`, f.ret as T);
  }

  private args(f: Fn, depth: number): string {
    return f.params.map((p, i) => (f.rec && i === 0
      ? (this.r.chance(0.5) ? String(this.r.int(8)) : `(${this.expr("i32", depth + 1)} & 7)`)
      : this.argOf(p, depth + 1))).join(", ");
  }

  private argOf(p: T | Small, depth: number): string {
    return (ALL_T as readonly string[]).includes(p) ? this.expr(p as T, depth) : `<${p}>${this.expr(this.pickT(), depth)}`;
  }

  private divisor(t: T, depth: number): string {
    if (is64(t)) return this.divisor64(t, depth);
    const r = this.r;
    const k = r.int(4);
    if (k === 0) {
      let c: number;
      do c = r.chance(0.5) ? r.range(-20, 20) : r.next() | 0; while (c === 0 || (t === "i32" && c === -1));
      return t === "i32" ? `<i32>(${c})` : `<u32>${hex(c)}`;
    }
    if (k === 1) return t === "i32" ? `((${this.expr(t, depth + 1)} & -2) | 2)` : `(${this.expr(t, depth + 1)} | 1)`;
    if (k === 2) return t === "i32" ? `(<i32>(<u32>${this.leaf("i32", 6)} % 1000) + 1)` : `((${this.expr(t, depth + 1)} & 0xFF) + 1)`;
    const l = this.leaf(t, 6);
    return t === "i32" ? `(${l} == 0 || ${l} == -1 ? 3 : ${l})` : `(${l} == 0 ? 1 : ${l})`;
  }

  /** A 64-bit divisor that is never 0 (nor -1 when signed): small, or above 2^32, or anything. */
  private divisor64(t: T, depth: number): string {
    const r = this.r;
    const s = t === "i64";
    const k = r.int(5);
    if (k === 0) {
      let c: bigint;
      do {
        const j = r.int(4);
        c = j === 0 ? BigInt(r.range(-20, 20)) : j === 1 ? BigInt(r.next() | 0)
          : j === 2 ? r.pick(EDGE64) : (BigInt(r.next()) << 32n) | BigInt(r.next());
        c = BigInt.asIntN(64, c);
      } while (c === 0n || (s && c === -1n));
      return s ? `<i64>${c === -(1n << 63n) ? hex64(c) : `(${c})`}` : `<u64>${hex64(c)}`;
    }
    if (k === 1) return s ? `((${this.expr(t, depth + 1)} & -2) | 2)` : `(${this.expr(t, depth + 1)} | 1)`;
    if (k === 2) return s ? `(<i64>(<u64>${this.leaf(t, 6)} % 1000) + 1)` : `((${this.expr(t, depth + 1)} & 0xFF) + 1)`;
    if (k === 3) { // above 2^32 (the division is not a 64/32 one), or a huge odd one
      const e = this.expr(t, depth + 1);
      // signed: even (so never -1) and nonzero (bit 32 set), of either sign
      return s ? `(((${e} >> 20) & -2) | 0x100000000)` : r.chance(0.5) ? `(${e} | 0x100000000)` : `((${e} >> 13) | 1)`;
    }
    const l = this.leaf(t, 6);
    return s ? `(${l} == 0 || ${l} == -1 ? 3 : ${l})` : `(${l} == 0 ? 1 : ${l})`;
  }

  expr(t: T, depth: number): string {
    const r = this.r;
    if (depth >= 4 || r.chance(0.2 + depth * 0.15)) return this.leaf(t, depth);
    const k = r.weighted([14, 5, 3, 3, 4, 4, 3, 3, 3, 2, 2, 2, 2]);
    const sub = () => this.expr(t, depth + 1);
    switch (k) {
      case 0: {
        if (is64(t) && r.chance(0.2)) { // a 32x32 -> 64 product: <u64>a * <u64>b
          const from = r.pick(T32);
          return `(<${t}>${this.expr(from, depth + 1)} * <${t}>${this.expr(from, depth + 1)})`;
        }
        return `(${sub()} ${r.pick(["+", "-", "*", "&", "|", "^", "+", "-", "^"])} ${sub()})`;
      }
      case 1: {
        const op = r.pick(["<<", ">>", ">>>"]);
        const counts = is64(t) ? [0, 1, 3, 8, 16, 31, 32, 33, 40, 48, 56, 63, 64, 65, 100, 127] : [0, 1, 3, 7, 8, 15, 16, 24, 31, 32, 33, 40, 63, 64, 100];
        const cnt = r.chance(0.5) ? String(r.pick(counts)) : sub();
        return `(${sub()} ${op} ${cnt})`;
      }
      case 2: {
        const d = this.divisor(t, depth);
        const a = sub();
        const op = r.pick(["/", "%"]);
        if (isSigned(t) && op === "/" && d.startsWith("(") && d.includes("== -1")) {
          // leaf-guarded divisor already excludes -1
          return `(${a} / ${d})`;
        }
        if (isSigned(t) && op === "/" && r.chance(0.3)) {
          const l = this.leaf(t, 6);
          return `(${l} == -1 ? (-${a}) : (${a} / (${l} == 0 ? 1 : ${l})))`;
        }
        return `(${a} ${op} ${d})`;
      }
      case 3: return isSigned(t) ? r.pick([`(-${sub()})`, `(~${sub()})`]) : r.pick([`(<${t}>0 - ${sub()})`, `(~${sub()})`]);
      case 4: {
        const f = r.pick(["clz", "ctz", "popcnt", "rotl", "rotr"]);
        return f.startsWith("rot") ? `${f}<${t}>(${sub()}, ${sub()})` : `${f}<${t}>(${sub()})`;
      }
      case 5: {
        const s = r.pick(is64(t) ? ["i8", "i16", "u8", "u16", "i32", "u32"] : ["i8", "i16", "u8", "u16"]);
        const from = this.pickT();
        return `<${t}><${s}>(${this.expr(from, depth + 1)})`;
      }
      case 6: { // a conversion from another type (extend, wrap, reinterpret the sign), or two words joined
        if (is64(t) && r.chance(0.25)) return `((<${t}>${this.expr("u32", depth + 1)} << 32) | <${t}>${this.expr("u32", depth + 1)})`;
        const others = ALL_T.filter((x) => x !== t);
        return `<${t}>(${this.expr(r.pick(others), depth + 1)})`;
      }
      case 7: return `<${t}>${this.cond(depth + 1)}`;
      // branches in parentheses: `? <i32>(v0) : (...)` trips asc's arrow-function lookahead
      case 8: return `(${this.cond(depth + 1)} ? (${sub()}) : (${sub()}))`;
      case 9: return this.load(t, depth);
      case 10: return this.call(t, depth) ?? this.leaf(t, depth);
      case 12: return `select<${t}>(${sub()}, ${sub()}, ${this.cond(depth + 1)})`;
      default: { // an assignment inside an expression: the old value may still be on wasm's stack
        const vs = this.assignable();
        const g = r.chance(0.2);
        const v = g ? r.pick(this.globals) : vs.length ? r.pick(vs) : null;
        if (!v) return this.leaf(t, depth);
        const form = r.int(4);
        const e = form === 0 ? `(${v.name} = ${this.expr(v.type, depth + 1)})`
          : form === 1 ? `(${v.name} ${r.pick(["+=", "^=", "-="])} ${this.expr(v.type, depth + 1)})`
          : form === 2 ? `(${v.name}++)` : `(--${v.name})`;
        const e2 = this.cast(t, e, v.type);
        return r.chance(0.5) ? `(${this.cast(t, v.name, v.type)} ${r.pick(["+", "^", "-"])} ${e2})` : e2;
      }
    }
  }

  // ---------------------------------------------------------------- statements

  /** Prints `e` of type `t`: a 32-bit value with show, a 64-bit one in full with show64. */
  private show(e: string, t: T = "u32"): void {
    const tag = 33 + (this.site++ % 90);
    if (is64(t)) {
      this.cost += this.mult * 40;
      this.line(`show64(${tag}, ${this.cast("u64", e, t)});`);
    } else {
      this.cost += this.mult * 20;
      this.line(`show(${tag}, ${this.cast("u32", e, t)});`);
    }
  }

  private showVar(v: { name: string; type: T }): void { this.show(v.name, v.type); }

  private assignable(): Var[] { return this.vars.filter((v) => v.assignable); }

  private stmt(depth: number): void {
    const r = this.r;
    this.cost += this.mult;
    const inLoop = this.loopDepth > 0;
    const k = r.weighted([12, 3, 4, 4, 3, 3, 2, 2, 2, inLoop ? 2 : 0, 3, 2, 1, this.smalls.length ? 2 : 0, 1, 1]);
    const nest = depth < 3 && !this.over();
    switch (k) {
      case 0: { // assignment
        const vs = this.assignable();
        if (!vs.length) { const t = this.pickT(); return this.show(this.expr(t, 1), t); }
        const v = r.pick(vs);
        const op = r.weighted([6, 1, 1, 1, 1, 1]);
        this.line(`${v.name} ${["=", "+=", "-=", "^=", "|=", "*="][op]} ${this.expr(v.type, 0)};`);
        if (r.chance(0.3)) this.showVar(v);
        return;
      }
      case 1: { const t = this.pickT(); this.show(this.expr(t, 1), t); return; }
      case 2: if (nest) return this.ifStmt(depth); break;
      case 3: if (nest && this.loopDepth < 2) return this.loop(depth); break;
      case 4: if (nest) return this.switchStmt(depth); break;
      case 5: { // store
        const k2 = r.pick(["u8", "u16", "u32", "i32", "i8", "i16", "u64", "i64"] as const);
        const off = r.chance(0.3) ? `, ${r.pick([1, 2, 3, 4, 8])}` : "";
        if (k2 === "u64" || k2 === "i64") {
          this.line(`store<${k2}>(${this.addr(1)}, ${this.expr(k2, 1)}${off});`);
        } else if (r.chance(0.4)) { // a 64-bit value's low bytes: i64.store8 / 16 / 32
          const vt = r.pick(T64);
          const w = k2.endsWith("8") ? 8 : k2.endsWith("16") ? 16 : 32;
          if (r.chance(0.3)) this.line(`i64.store${w}(${this.addr(1)}, ${this.cast("i64", this.expr(vt, 1), vt)}${off});`);
          else this.line(`store<${k2}>(${this.addr(1)}, ${this.expr(vt, 1)}${off});`);
        } else {
          const vt: T = k2.startsWith("u") ? "u32" : "i32";
          const v = k2 === "u32" || k2 === "i32" ? this.expr(vt, 1) : `<${k2}>${this.expr(vt, 1)}`;
          this.line(`store<${k2}>(${this.addr(1)}, ${v}${off});`);
        }
        return;
      }
      case 6: { // memory.copy / memory.fill, inside the scratch region
        this.cost += this.mult * 10;
        // lengths 8 and 16 fold into i64 loads and stores
        const len = r.chance(0.5) ? String(r.pick([0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 64, 100]))
          : r.chance(0.5) ? `((${this.expr("u32", 2)} & 0x3F) + 17)` : `((${this.expr("u32", 2)} & 0x7FFF) | 0x20)`;
        const a = `${hex(SCRATCH)} + (${this.expr("u32", 2)} & 0x7FFF)`;
        if (r.chance(0.5)) this.line(`memory.copy(${a}, ${hex(SCRATCH)} + (${this.expr("u32", 2)} & 0x7FFF), ${len});`);
        else this.line(`memory.fill(${a}, <u8>${this.expr("u32", 2)}, ${len});`);
        return;
      }
      case 7: { // global
        const g = r.pick(this.globals);
        this.line(`${g.name} ${r.pick(["=", "+=", "^="])} ${this.expr(g.type, 1)};`);
        return;
      }
      case 8: { // call statement
        const voids = this.fns.filter((f) => f.ret === "void" && this.mult * f.cost + this.cost <= COST_BUDGET);
        if (voids.length && r.chance(0.3)) {
          const f = r.pick(voids);
          this.cost += this.mult * f.cost;
          this.line(`${f.name}(${this.args(f, 1)});`);
          return;
        }
        const vs = this.assignable();
        const t: T = vs.length ? r.pick(vs).type : this.pickT();
        const c = this.call(t, 1);
        if (c === null) return;
        if (vs.length && r.chance(0.7)) {
          const v = r.pick(vs.filter((x) => x.type === t));
          this.line(`${v.name} = ${c};`);
          this.showVar(v);
        } else this.show(c, t);
        return;
      }
      case 9: // break / continue
        this.line(`if ${this.cond(1)} ${r.chance(0.5) || this.inSwitch ? "continue" : "break"};`);
        return;
      case 10: if (!this.cur.leaf && r.chance(0.5)) { // re-point the function references
        const k3 = r.int(4);
        if (k3 === 0) this.line(`fp = ${this.cond(1)} ? f0 : f1;`);
        else if (k3 === 1) this.line(`fq = ${this.cond(1)} ? f2 : f3;`);
        else if (k3 === 2) this.line(`store<usize>(${hex(FTABLE)} + ${4 * r.int(4)}, changetype<usize>(f${r.int(N_LEAF32)}));`);
        else this.line(`store<usize>(${hex(FTABLE64)} + ${4 * r.int(4)}, changetype<usize>(f${N_LEAF32 + r.int(N_LEAF - N_LEAF32)}));`);
        return;
      } break;
      case 11: if (depth > 0) { // early return
        this.line(`if ${this.cond(1)} ${this.ret()}`);
        return;
      } break;
      case 12: { // bool local
        const n = `b${this.uniq++}`;
        this.line(`let ${n}: bool = ${this.cond(1)};`);
        this.line(`if (${n}) ${this.stmtInline()}`);
        return;
      }
      case 13: { // small-typed local
        const s = r.pick(this.smalls);
        const op = r.pick(["=", "+=", "-=", "^="]);
        this.line(`${s.name} ${op} <${s.type}>${this.expr(this.pickT(), 1)};`);
        if (r.chance(0.5)) this.show(`<u32>${s.name}`);
        return;
      }
      case 14: { // code that never runs: unreachable / a failing assert, behind a guard read as 0
        const k2 = r.range(1, 0x7fffffff);
        if (r.chance(0.5)) {
          this.line(`if (load<u32>(${hex(GUARD)}) == ${k2}) {`);
          this.ind++; this.line(`unreachable();`); this.stmt(2); this.ind--;
          this.line(`}`);
        } else this.line(`assert(load<u32>(${hex(GUARD + 4 * r.int(4))}) != ${k2}, "guard ${k2}");`);
        return;
      }
      default: break;
    }
    // fallback: an assignment or a print
    const vs = this.assignable();
    if (vs.length) { const v = r.pick(vs); this.line(`${v.name} = ${this.expr(v.type, 1)};`); }
    else this.show(this.expr("u32", 1));
  }

  /** A return statement of the current function. */
  private ret(): string { return this.cur.ret === "void" ? "return;" : `return ${this.expr(this.cur.ret, 1)};`; }

  /** A one-line statement (for `if (b) ...`). */
  private stmtInline(): string {
    const vs = this.assignable();
    if (!vs.length) return `${this.globals[0].name} += 1;`;
    const v = this.r.pick(vs);
    return `${v.name} ${this.r.pick(["=", "^=", "+="])} ${this.expr(v.type, 2)};`;
  }

  /** The current function has used up its share of the program's lines. */
  private over(): boolean { return this.out.length - this.fnStart > this.fnCap; }

  private block(depth: number, min: number, max: number): void {
    this.ind++;
    const n = this.over() ? min : this.r.range(min, max);
    for (let i = 0; i < n; i++) this.stmt(depth + 1);
    this.ind--;
  }

  private ifStmt(depth: number): void {
    this.line(`if ${this.cond(0)} {`);
    this.block(depth, 1, 3);
    if (this.r.chance(0.6)) {
      if (this.r.chance(0.3)) {
        this.line(`} else if ${this.cond(0)} {`);
        this.block(depth, 1, 2);
      }
      this.line(`} else {`);
      this.block(depth, 1, 3);
    }
    this.line(`}`);
  }

  private loop(depth: number): void {
    const r = this.r;
    const bound = r.range(1, 7);
    const n = `i${this.uniq++}`;
    const t: T = ALL_T[r.weighted([4, 4, 1, 1])];
    const saveMult = this.mult;
    this.mult *= bound + 1;
    const counter: Var = { name: n, type: t, assignable: false };
    const kind = r.int(6);
    if (kind === 0) {
      this.line(`for (let ${n}: ${t} = 0; ${n} < ${bound}; ${n}++) {`);
    } else if (kind === 1) {
      this.line(`for (let ${n}: ${t} = ${bound}; ${n} > 0; ${n}--) {`);
    } else if (kind === 2) {
      // a run-time bound, re-evaluated every iteration, never above `bound`
      this.counters.push(counter);
      const e = this.expr(t, 2);
      this.counters.pop();
      this.line(`for (let ${n}: ${t} = 0; (${e} & ${bound}) > ${n}; ${n}++) {`);
    } else if (kind === 3) {
      this.line(`let ${n}: ${t} = 0;`);
      this.counters.push(counter);
      const c = r.chance(0.5) ? ` && ${this.cond(1)}` : "";
      this.counters.pop();
      this.line(`while (${n} < ${bound}${c}) {`);
      this.ind++; this.line(`${n}++;`); this.ind--;
    } else if (kind === 4) {
      this.line(`let ${n}: ${t} = 0;`);
      this.line(`do {`);
      this.ind++; this.line(`${n}++;`); this.ind--;
    } else {
      // exits only through the break
      this.line(`let ${n}: ${t} = 0;`);
      this.line(`while (true) {`);
      this.ind++; this.line(`if (${n} >= ${bound}) break;`); this.line(`${n}++;`); this.ind--;
    }
    this.counters.push(counter);
    this.loopDepth++;
    const saveSwitch = this.inSwitch;
    this.inSwitch = 0;
    this.block(depth, 1, 4);
    this.inSwitch = saveSwitch;
    this.loopDepth--;
    if (kind === 4) {
      const c = r.chance(0.5) ? ` && ${this.cond(1)}` : "";
      this.counters.pop();
      this.line(`} while (${n} < ${bound}${c});`);
    } else {
      this.counters.pop();
      this.line(`}`);
    }
    this.mult = saveMult;
  }

  private switchStmt(depth: number): void {
    const r = this.r;
    const n = r.range(3, 8);
    const t: T = r.pick(T32);
    const k = r.int(6);
    const disc = k < 2 ? `<${t}>(${this.expr(t, 1)} & 7)`
      : k === 2 ? `<${t}>(${this.expr(r.pick(T64), 1)} & 7)` // a wrapped 64-bit value
      : k === 3 ? `(<u32>(${this.expr("u64", 1)} >> ${r.pick([32, 40, 61])}) % ${n + 1})` // the high word
      : t === "u32" ? `(${this.expr("u32", 1)} % ${n + 1})` : `<i32>(<u32>${this.expr("i32", 1)} % ${n + 1})`;
    this.line(`switch (${disc}) {`);
    this.inSwitch++;
    for (let i = 0; i < n; i++) {
      this.line(`  case ${i}: {`);
      this.ind++;
      this.block(depth, 0, 2);
      const end = r.weighted([6, 2, 1]);
      if (end === 0) this.line(`  break;`);
      else if (end === 2 && depth > 0) this.line(`  ${this.ret()}`);
      // else: fall through
      this.ind--;
      this.line(`  }`);
    }
    this.line(`  default: {`);
    this.ind++;
    this.block(depth, 0, 2);
    this.ind--;
    this.line(`  }`);
    this.inSwitch--;
    this.line(`}`);
  }

  // ---------------------------------------------------------------- functions

  private func(idx: number): Fn {
    const r = this.r;
    const leaf = idx < N_LEAF;
    const leaf64 = leaf && idx >= N_LEAF32;
    const rec = !leaf && r.chance(0.3);
    const params: (T | Small)[] = leaf ? (leaf64 ? ["u64", "u32"] : ["i32", "i32"]) : Array.from({ length: r.range(1, 5) },
      () => (r.chance(0.15) ? r.pick(["u8", "i8", "u16", "i16"] as const) : this.pickT()));
    const ret: T | "void" = leaf ? (leaf64 ? "u64" : "i32") : rec ? this.pickT() : r.chance(0.2) ? "void" : this.pickT();
    const f: Fn = { name: `f${idx}`, params: rec ? ["i32", ...params] : params, ret, rec, cost: 0, leaf };
    this.cur = f;
    this.vars = []; this.smalls = []; this.counters = [];
    this.cost = 0; this.mult = 1; this.loopDepth = 0; this.inSwitch = 0;
    this.fnStart = this.out.length;
    const plist = f.params.map((t, i) => `${rec && i === 0 ? "depth" : `p${i}`}: ${t}`);
    if (!leaf && !rec && r.chance(0.2)) this.line(`@inline`);
    this.line(`function ${f.name}(${plist.join(", ")}): ${ret} {`);
    this.ind++;
    f.params.forEach((t, i) => {
      if (rec && i === 0) this.counters.push({ name: "depth", type: "i32", assignable: false });
      else if ((ALL_T as readonly string[]).includes(t)) this.vars.push({ name: `p${i}`, type: t as T, assignable: true });
      else this.smalls.push({ name: `p${i}`, type: t as Small });
    });
    if (rec) {
      this.line(`if (depth <= 0) return ${this.expr(ret as T, 2)};`);
    }
    const nl = r.range(leaf ? 1 : 2, leaf ? 2 : 4);
    for (let i = 0; i < nl; i++) {
      const t: T = this.pickT();
      this.line(`let v${i}: ${t} = ${this.expr(t, 1)};`);
      this.vars.push({ name: `v${i}`, type: t, assignable: true });
    }
    if (!leaf && r.chance(0.4)) {
      const s = r.pick(["u8", "i8", "u16", "i16"] as const);
      this.line(`let s0: ${s} = <${s}>${this.expr(this.pickT(), 2)};`);
      this.smalls.push({ name: "s0", type: s });
    }
    const ns = leaf ? r.range(1, 3) : r.range(3, 7);
    const recAt = rec ? r.int(ns + 1) : -1;
    for (let i = 0; i <= ns; i++) {
      if (i === recAt) {
        const v = r.pick(this.assignable());
        const call = `${f.name}(depth - 1${f.params.length > 1 ? ", " : ""}${f.params.slice(1).map((p) => this.argOf(p, 2)).join(", ")})`;
        this.line(`${v.name} ${r.pick(["=", "+=", "^="])} ${this.cast(v.type, call, ret as T)};`);
      }
      if (i < ns && !(i >= 2 && this.over())) this.stmt(0);
    }
    // the result mixes every local, so each one's value is visible
    const mt: T = ret === "void" ? "u32" : ret;
    let mix = this.cast(mt, this.vars[0].name, this.vars[0].type);
    for (const v of this.vars.slice(1)) {
      mix = r.chance(0.5) ? `(${mix} ^ ${this.cast(mt, v.name, v.type)})` : `(rotl<${mt}>(${mix}, ${r.range(1, is64(mt) ? 63 : 31)}) + ${this.cast(mt, v.name, v.type)})`;
    }
    for (const s of this.smalls) mix = `(${mix} + <${mt}>${s.name})`;
    if (ret === "void") this.show(mix, mt);
    else this.line(`return ${mix};`);
    this.ind--;
    this.line(`}`);
    this.line("");
    f.cost = Math.max(1, this.cost) * (rec ? 8 : 1);
    return f;
  }

  private kmain(): void {
    const r = this.r;
    this.cur = { name: "kmain", params: [], ret: "i32", rec: false, cost: 0, leaf: false };
    this.vars = ALL_T.map((t) => ({ name: KMAIN_VAR[t], type: t, assignable: true }));
    this.smalls = []; this.counters = []; this.mult = 1; this.cost = 0; this.loopDepth = 0; this.inSwitch = 0;
    this.line(`export function kmain(): void {`);
    this.ind++;
    this.line(`for (let i: u32 = 0; i < 64; i++) store<u32>(${hex(SCRATCH)} + (i << 2), i * 0x9E3779B9 + ${hex(r.next())});`);
    for (let i = 0; i < 4; i++) this.line(`store<usize>(${hex(FTABLE)} + ${4 * i}, changetype<usize>(f${r.int(N_LEAF32)}));`);
    for (let i = 0; i < 4; i++) this.line(`store<usize>(${hex(FTABLE64)} + ${4 * i}, changetype<usize>(f${N_LEAF32 + r.int(N_LEAF - N_LEAF32)}));`);
    for (const t of ALL_T) this.line(`let ${KMAIN_VAR[t]}: ${t} = ${this.konst(t)};`);
    for (const f of this.fns) {
      const calls = r.range(2, 4);
      for (let c = 0; c < calls; c++) {
        this.cost = 0;
        const call = `${f.name}(${this.args(f, 1)})`;
        if (f.ret === "void") { this.line(`${call};`); continue; }
        const v = KMAIN_VAR[f.ret];
        this.line(`${v} ${r.pick(["=", "^=", "+="])} ${call};`);
        this.show(v, f.ret);
      }
    }
    // one call in a loop, with the loop counter as an argument
    const f = r.pick(this.fns);
    this.cost = 0;
    this.line(`for (let k: i32 = 0; k < 6; k++) {`);
    this.ind++;
    this.counters.push({ name: "k", type: "i32", assignable: false });
    if (f.ret === "void") this.line(`${f.name}(${this.args(f, 1)});`);
    else {
      const v = KMAIN_VAR[f.ret];
      this.line(`${v} = ${f.name}(${this.args(f, 1)});`);
      this.show(v, f.ret);
    }
    this.counters.pop();
    this.ind--;
    this.line(`}`);
    for (const g of this.globals) this.showVar(g);
    this.line(`show(36, <u32>fp(3, 5));`);
    this.line(`show64(37, fq(<u64>0x123456789ABCDEF, 37));`);
    this.line(`show(35, checksum());`);
    if (r.chance(0.5)) this.line(`exit(0);`);
    this.ind--;
    this.line(`}`);
  }

  program(): string {
    const r = this.r;
    this.line(`@external("kernel", "outb") declare function outb(port: u32, v: u32): void;`);
    this.line(`@external("kernel", "exit") declare function exit(code: u32): void;`);
    this.line(`type BinFn = (a: i32, b: i32) => i32;`);
    this.line(`type Bin64 = (a: u64, b: u32) => u64;`);
    this.line(``);
    const ng = r.range(1, 3);
    for (let i = 0; i < ng; i++) {
      const t: T = this.pickT();
      this.line(`let g${i}: ${t} = ${this.konst(t)};`);
      this.globals.push({ name: `g${i}`, type: t, assignable: true });
    }
    this.line(`let fp: BinFn = f${r.int(N_LEAF32)};`);
    this.line(`let fq: Bin64 = f${N_LEAF32 + r.int(N_LEAF - N_LEAF32)};`);
    this.line(``);
    this.line(`function putc(c: u32): void { outb(0x3F8, c); }`);
    this.line(`function hex(v: u32): void {`);
    this.line(`  for (let i: i32 = 28; i >= 0; i -= 4) { const d = (v >>> <u32>i) & 15; putc(d < 10 ? 48 + d : 87 + d); }`);
    this.line(`}`);
    this.line(`function dec(v: i32): void {`);
    this.line(`  let u: u32 = v < 0 ? <u32>(0 - v) : <u32>v;`);
    this.line(`  if (v < 0) putc(45);`);
    this.line(`  let n: u32 = 0;`);
    this.line(`  do { store<u8>(${hex(DECBUF)} + n, 48 + u % 10); u = u / 10; n++; } while (u != 0);`);
    this.line(`  while (n > 0) { n--; putc(load<u8>(${hex(DECBUF)} + n)); }`);
    this.line(`}`);
    this.line(`function show(tag: u32, v: u32): void { putc(tag); putc(32); hex(v); putc(32); dec(<i32>v); putc(10); }`);
    this.line(`function dec64(v: i64): void {`);
    this.line(`  let u: u64 = v < 0 ? <u64>0 - <u64>v : <u64>v;`);
    this.line(`  if (v < 0) putc(45);`);
    this.line(`  let n: u32 = 0;`);
    this.line(`  do { store<u8>(${hex(DECBUF)} + n, 48 + <u32>(u % 10)); u = u / 10; n++; } while (u != 0);`);
    this.line(`  while (n > 0) { n--; putc(load<u8>(${hex(DECBUF)} + n)); }`);
    this.line(`}`);
    this.line(`function show64(tag: u32, v: u64): void { putc(tag); putc(32); hex(<u32>(v >> 32)); hex(<u32>v); putc(32); dec64(<i64>v); putc(10); }`);
    this.line(`function checksum(): u32 {`);
    this.line(`  let h: u32 = 0x811C9DC5;`);
    this.line(`  for (let a: u32 = ${hex(SCRATCH)}; a < ${hex(SCRATCH + 0x10000)}; a += 4) h = (h ^ load<u32>(a)) * 16777619;`);
    this.line(`  return h;`);
    this.line(`}`);
    this.line(``);
    const nf = r.range(N_LEAF + 1, 8);
    this.fnCap = Math.floor(160 / nf);
    for (let i = 0; i < nf; i++) this.fns.push(this.func(i));
    this.kmain();
    return this.out.join("\n") + "\n";
  }
}

/** A complete kernel-ts program, a pure function of `seed`. */
export function generateProgram(seed: number): string {
  return `// random program, seed ${seed}\n` + new Gen(seed).program();
}
