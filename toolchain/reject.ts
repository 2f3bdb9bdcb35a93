// The compile-time reject check: reports, at the line of the user's code, every construct the
// kernel cannot run because it needs a managed heap or a growable memory — `new`, array, object
// and template literals, string concatenation, closures, a standard-library call that allocates,
// `memory.grow`, `memory.size` — and `try`, naming what to use instead. Positions are asc source
// ranges (file, character offset); each problem is one line,
// `file.ts:line:col: error: <what> (in <function>)`, and the build exits with code 2.
//
// Why a compiler hook. Without it the only trace of `new Array<u32>(0)` is the wasm it becomes:
// after binaryen has inlined the Array constructor into kmain, the code that calls `__new` (or
// does `memory.size`) has source positions inside ~lib, so the translator's reverse mapping could
// only say `~lib/array.ts:72:22`. A runtime of our own cannot do better — its `__new` is reached
// from ~lib code (String#concat, the Array constructor), never from the user's line — and a
// syntactic transform cannot tell `a + b` on strings from `a + b` on integers, nor which library
// calls allocate. asc knows both while it compiles: every call it emits goes through
// `Compiler#makeCallDirect(callee, args, reportNode)` with the node that caused it, instance
// allocations through `makeAllocation`, builtins through `compileCallExpressionBuiltin`. So this
// module wraps those methods (asc is pinned: 0.28.20) and records a call graph whose edges carry
// the node: a function allocates if it is a runtime allocation entry point (`__new`, `__alloc`,
// ...), uses memory.grow/size, or calls a function that allocates; an edge from a node in user
// code to an allocating library function, or to an allocating constructor (`new` of any class),
// is one error at that node, named by the node's kind (`new`, a literal, `+` on strings, a call).
// asc's own "Not implemented: Closures / Exceptions" errors, already at the user's line, are
// reworded. The translator's reverse mapping (translate/module.ts) stays as the backstop for
// anything that slips past, such as allocation reached only through an indirect call.
//
// The wrappers are installed once per process and act only for the programs registered through
// `RejectCheck#transform` (asc's afterInitialize hook): `--runtime minimal` builds (peer programs
// for benchmarks) and other compiles are unaffected.

/** The rejected constructs and what to use instead: the one table of these messages. */
export const REJECTED = {
  newLibrary: (what: string) =>
    `${what} allocates on a managed heap, which the kernel does not have; use a StaticArray of constants, memory.data, or a kernel allocator (tlsf_alloc)`,
  newManaged: (what: string, cls: string) =>
    `${what} allocates a managed object, which the kernel does not have; make ${cls} an @unmanaged class and place it with changetype<${cls}>(addr) at memory from a kernel allocator (tlsf_alloc)`,
  newUnmanaged: (what: string, cls: string) =>
    `${what} allocates with the runtime's __alloc, which the kernel does not have; place the @unmanaged class with changetype<${cls}>(addr) at memory from a kernel allocator (tlsf_alloc)`,
  arrayLiteral: () =>
    "an array literal here allocates on a managed heap, which the kernel does not have; use a top-level StaticArray constant (const T: StaticArray<u32> = [1, 2]), memory.data<u32>([1, 2]), or a kernel allocator (tlsf_alloc)",
  objectLiteral: () =>
    "an object literal allocates a managed object, which the kernel does not have; use an @unmanaged class placed with changetype<T>(addr) at memory from a kernel allocator (tlsf_alloc)",
  concat: () =>
    "string concatenation allocates a managed string, which the kernel does not have; print the parts one after another (puts, puti, puthex from kernel-ts/dev/serial)",
  template: () =>
    "a template string with substitutions allocates a managed string, which the kernel does not have; print the parts one after another (puts, puti, puthex from kernel-ts/dev/serial)",
  libraryString: (callee: string) =>
    `${callee} builds a managed string, which the kernel does not have; print with puts, puti, puthex (kernel-ts/dev/serial) or write the bytes into memory from a kernel allocator`,
  library: (callee: string) =>
    `${callee} allocates on a managed heap, which the kernel does not have; use a StaticArray of constants, memory.data, or a kernel allocator (tlsf_alloc)`,
  closure: (local: string) =>
    `a closure capturing the local ${local} needs a managed heap, which the kernel does not have (and asc does not implement closures); pass ${local} as a parameter or keep it in a global`,
  tryCatch: () =>
    "try/catch is not supported (asc does not implement exceptions; `throw` is a panic); return a sentinel (0 / false) for the caller to check",
  memoryGrow: () =>
    "memory.grow is not supported: the kernel VM's memory does not grow; take memory from a kernel allocator (balloc, palloc, tlsf_alloc)",
  memorySize: () =>
    "memory.size is not supported: the kernel VM's memory has no wasm size; free memory starts at image_end() and the boot_info() memory map tells where it ends",
} as const;

const MAX_ERRORS = 10;

/** Runtime functions that hand out managed memory: reaching one means allocating. */
const RUNTIME_ENTRY = /^~lib\/rt\/(?:stub\/|tlsf\/|itcms\/|tcms\/)?__(?:alloc|realloc|new|renew|newArray|newBuffer)$/;
/** A marker callee for makeAllocation (the compiler's own `__new` / `__alloc` of an instance). */
const ALLOCATION = "(allocation)";
const MEMORY_BUILTINS: Record<string, "memoryGrow" | "memorySize"> = {
  "~lib/memory/memory.grow": "memoryGrow", "~lib/memory/memory.size": "memorySize",
};

// The slice of asc's compiler API this module touches (asc 0.28.20).
interface Source { normalizedPath: string; text: string }
interface Range { start: number; end: number; source: Source }
interface AstNode { kind: number; range: Range; literalKind?: number }
interface Element {
  internalName: string;
  parent: Element | null;
  declaration?: { range: Range } | null;
  hasDecorator(flag: number): boolean;
  is(flag: number): boolean;
}
interface CompilerThis { program: object; currentFlow: { sourceFunction: Element } }
type Method = (this: CompilerThis, ...args: never[]) => unknown;
export interface AscApi {
  Compiler: { prototype: Record<string, Method> };
  NodeKind: { New: number; Literal: number; Binary: number };
  LiteralKind: { Array: number; Object: number; Template: number };
  DecoratorFlags: { Unmanaged: number };
  CommonFlags: { Constructor: number };
  DiagnosticCode: { Not_implemented_0: number; Variable_0_is_used_before_being_assigned: number };
}

interface Edge { from: Element; to: string; toElement: Element | null; node: AstNode | null }
interface Found { node: AstNode; from: Element; what: string }

const active = new WeakMap<object, RejectCheck>();
let installed: AscApi | null = null;

const isUserSource = (s: Source) => !s.normalizedPath.startsWith("~lib/") || s.normalizedPath.startsWith("~lib/kernel-ts/");

/** The function as the user knows it: `kmain`, `Foo#bar`, `the start function`. */
function functionName(f: Element): string {
  let name = f.internalName;
  if (name === "~start" || name.startsWith("start:")) return "the start function";
  const anon = name.match(/^(.*)~anonymous\|\d+$/);
  if (anon) name = anon[1];
  const lt = name.indexOf("<");
  const head = lt < 0 ? name : name.slice(0, lt);
  const shown = name.slice(head.lastIndexOf("/") + 1);
  return anon ? `a function expression in ${shown}` : shown;
}

/** A library function's name without its file: `I32#toString`, `String#substring`. */
function libraryName(internal: string): string {
  const lt = internal.indexOf("<");
  const head = lt < 0 ? internal : internal.slice(0, lt);
  return internal.slice(head.lastIndexOf("/") + 1);
}

/** One program's check: register `transform` with asc.main, read `problems()` after it returns. */
export class RejectCheck {
  private edges: Edge[] = [];
  private growers = new Set<Element>();  // functions using memory.grow / memory.size
  private direct: Found[] = [];           // memory.grow/size, closures and try in user code
  private closureRanges = new Set<string>();
  /**
   * The expressions being compiled, outermost first, each with the function whose code it is
   * (asc compiles callees on demand, mid-expression, and builds default constructors in place).
   */
  stack: { node: AstNode; fn: Element }[] = [];

  constructor(private api: AscApi) { install(api); }

  /** The asc transform (afterInitialize) that turns the check on for this compile's program. */
  readonly transform = { afterInitialize: (program: object) => { active.set(program, this); } };

  /** Whether asc's own diagnostic should be dropped: the confusing TS2454 on a captured local. */
  hides(code: number, file: string | undefined, start: number | undefined): boolean {
    return code === this.api.DiagnosticCode.Variable_0_is_used_before_being_assigned && this.closureRanges.has(`${file}:${start}`);
  }

  /**
   * A call `from` → `to` caused by `node`. The node counts only while it is being compiled in this
   * function: asc also passes it down to the callees it compiles on demand (a class's constructor
   * gets the `new` expression), and those calls are the callee's, not the user's.
   */
  recordCall(from: Element, to: Element, node: AstNode | null): void {
    const own = node && this.stack.some((e) => e.node === node && e.fn === from) ? node : null;
    this.edges.push({ from, to: to.internalName, toElement: to, node: this.enclosingTemplate(from, own) ?? own });
  }

  /** The compiler allocates an instance in `from`: for an object literal, or in a constructor. */
  recordAllocation(from: Element): void {
    const top = this.stack[this.stack.length - 1];
    const K = this.api.NodeKind, L = this.api.LiteralKind;
    const literal = top && top.fn === from && top.node.kind === K.Literal && top.node.literalKind === L.Object;
    this.edges.push({ from, to: ALLOCATION, toElement: null, node: literal ? top.node : null });
  }

  /** A builtin call in `from`; memory.grow / memory.size make `from` allocate, and are errors in user code. */
  recordBuiltin(from: Element, builtin: string, node: AstNode): void {
    const kind = MEMORY_BUILTINS[builtin];
    if (!kind) return;
    this.growers.add(from);
    if (isUserSource(node.range.source)) this.direct.push({ node, from, what: REJECTED[kind]() });
  }

  /** asc's "Not implemented: Closures" at `range`, the captured local's name. */
  recordClosure(from: Element, range: Range): void {
    const local = range.source.text.slice(range.start, range.end);
    this.closureRanges.add(`${range.source.normalizedPath}:${range.start}`);
    this.direct.push({ node: { kind: -1, range }, from, what: REJECTED.closure(local) });
  }

  /** asc's "Not implemented: Exceptions" at `range`, the try statement. */
  recordTry(from: Element, range: Range): void {
    this.direct.push({ node: { kind: -1, range }, from, what: REJECTED.tryCatch() });
  }

  /** A template literal in user code around `node` being compiled: the construct to blame. */
  private enclosingTemplate(from: Element, node: AstNode | null): AstNode | null {
    const K = this.api.NodeKind, L = this.api.LiteralKind;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const { node: e, fn } = this.stack[i];
      if (fn === from && e.kind === K.Literal && e.literalKind === L.Template && isUserSource(e.range.source)) {
        if (!node || (node.range.source === e.range.source && node.range.start >= e.range.start && node.range.end <= e.range.end)) return e;
      }
    }
    return null;
  }

  /**
   * Every rejected construct, one line each (`position(file, text, offset)` gives
   * `file.ts:line:col`), by file and position, at most MAX_ERRORS and a count of the rest; [] when
   * the program needs no managed heap.
   */
  problems(position: (file: string, text: string, offset: number) => string): string[] {
    const allocating = new Set<string>([ALLOCATION]);
    for (const e of this.edges) if (RUNTIME_ENTRY.test(e.to)) allocating.add(e.to);
    for (const f of this.growers) allocating.add(f.internalName);
    for (let changed = true; changed;) {
      changed = false;
      for (const e of this.edges) {
        if (allocating.has(e.to) && !allocating.has(e.from.internalName)) { allocating.add(e.from.internalName); changed = true; }
      }
    }
    const found: Found[] = [...this.direct];
    for (const e of this.edges) {
      if (!e.node || !isUserSource(e.node.range.source) || !allocating.has(e.to)) continue;
      const what = this.construct(e);
      if (what) found.push({ node: e.node, from: e.from, what });
    }
    const key = (f: Found) => f.node.range.source.normalizedPath;
    found.sort((a, b) => (key(a) === key(b) ? a.node.range.start - b.node.range.start : key(a) < key(b) ? -1 : 1));
    const lines: string[] = [];
    const seen = new Set<string>(); // a generic function's instances share their constructs
    for (const f of found) {
      const s = f.node.range.source;
      const at = `${position(s.normalizedPath, s.text, f.node.range.start)}: error: ${f.what}`;
      if (!seen.has(at)) { seen.add(at); lines.push(`${at} (in ${functionName(f.from)})`); }
    }
    const shown = lines.slice(0, MAX_ERRORS);
    if (lines.length > MAX_ERRORS) shown.push(`... and ${lines.length - MAX_ERRORS} more`);
    return shown;
  }

  /** Names the construct an allocating edge comes from, or null when the callee itself is blamed. */
  private construct(e: Edge): string | null {
    const K = this.api.NodeKind, L = this.api.LiteralKind;
    const node = e.node!;
    const text = node.range.source.text.slice(node.range.start, node.range.end);
    const target = e.toElement;
    const userCallee = target?.declaration ? isUserSource(target.declaration.range.source) : false;
    if (node.kind === K.New) {
      if (!target || !target.is(this.api.CommonFlags.Constructor)) return null;
      const what = text.replace(/\s*\([\s\S]*$/, "").replace(/\s+/g, " ");
      const cls = target.parent;
      const clsName = cls ? libraryName(cls.internalName) : "the class";
      if (!userCallee && !(cls?.declaration && isUserSource(cls.declaration.range.source))) return REJECTED.newLibrary(what);
      return cls?.hasDecorator(this.api.DecoratorFlags.Unmanaged) ? REJECTED.newUnmanaged(what, clsName) : REJECTED.newManaged(what, clsName);
    }
    if (userCallee) return null; // a user function that allocates is blamed at its own construct
    if (node.kind === K.Literal) {
      if (node.literalKind === L.Array) return REJECTED.arrayLiteral();
      if (node.literalKind === L.Object) return REJECTED.objectLiteral();
      if (node.literalKind === L.Template) return REJECTED.template();
    }
    if (node.kind === K.Binary && /^~lib\/string\/String/.test(e.to)) return REJECTED.concat();
    if (e.to === ALLOCATION) return null;
    const callee = libraryName(e.to);
    return /toString$|^String[#.]|^(?:itoa|utoa|dtoa)/.test(callee) ? REJECTED.libraryString(callee) : REJECTED.library(callee);
  }
}

/** Wraps asc's compiler methods once per process; each wrapper is a no-op for unchecked programs. */
function install(api: AscApi): void {
  if (installed) {
    if (installed !== api) throw new Error("reject: two copies of the assemblyscript module are loaded");
    return;
  }
  installed = api;
  const P = api.Compiler.prototype;
  const wrap = (name: string, make: (orig: Method) => Method) => {
    const orig = P[name];
    if (typeof orig !== "function") throw new Error(`reject: asc's Compiler has no method ${name} (not asc 0.28.20?)`);
    P[name] = make(orig);
  };
  const checkOf = (c: CompilerThis) => active.get(c.program);
  wrap("compileExpression", (orig) => function (this: CompilerThis, ...args) {
    const check = checkOf(this);
    if (!check) return orig.apply(this, args);
    check.stack.push({ node: args[0] as unknown as AstNode, fn: this.currentFlow.sourceFunction });
    try { return orig.apply(this, args); } finally { check.stack.pop(); }
  });
  wrap("makeCallDirect", (orig) => function (this: CompilerThis, ...args) {
    const check = checkOf(this);
    if (check) check.recordCall(this.currentFlow.sourceFunction, args[0] as unknown as Element, (args[2] as unknown as AstNode) ?? null);
    return orig.apply(this, args);
  });
  wrap("makeAllocation", (orig) => function (this: CompilerThis, ...args) {
    const check = checkOf(this);
    if (check) check.recordAllocation(this.currentFlow.sourceFunction);
    return orig.apply(this, args);
  });
  wrap("compileCallExpressionBuiltin", (orig) => function (this: CompilerThis, ...args) {
    const check = checkOf(this);
    if (check) check.recordBuiltin(this.currentFlow.sourceFunction, (args[0] as unknown as Element).internalName, args[1] as unknown as AstNode);
    return orig.apply(this, args);
  });
  // asc rejects a captured local with "Not implemented: Closures" and try with "... Exceptions";
  // say what to do instead.
  wrap("error", (orig) => function (this: CompilerThis, ...args) {
    const check = checkOf(this);
    const [code, range, arg0] = args as unknown as [number, Range | null, string | null];
    if (check && code === api.DiagnosticCode.Not_implemented_0 && range) {
      if (arg0 === "Closures") { check.recordClosure(this.currentFlow.sourceFunction, range); return undefined; }
      if (arg0 === "Exceptions") { check.recordTry(this.currentFlow.sourceFunction, range); return undefined; }
    }
    return orig.apply(this, args);
  });
}
