// `kt debug`: the Debug Adapter Protocol over stdio (Content-Length framed JSON), on a Debugger
// (session.ts). One session per process: launch builds or reads the program and boots it stopped;
// configurationDone starts it. See docs/debugging.md for the requests and what they do.

import type { Readable, Writable } from "node:stream";
import { Machine } from "../machine.ts";
import { Debugger, type Stop } from "./session.ts";
import { loadDebugTarget, type LoadedTarget } from "./target.ts";
import type { JitMode } from "../../boot/jit.ts";

interface Request { seq: number; type: "request"; command: string; arguments?: Record<string, unknown> }

/** Reads Content-Length framed messages from a stream. */
export function readMessages(input: Readable, onMessage: (msg: unknown) => void, onError: (why: string) => void): void {
  let buf = Buffer.alloc(0);
  input.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const headerEnd = buf.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const header = buf.subarray(0, headerEnd).toString("latin1");
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m) { onError(`a message without Content-Length: ${JSON.stringify(header.slice(0, 80))}`); buf = buf.subarray(headerEnd + 4); continue; }
      const len = Number(m[1]), start = headerEnd + 4;
      if (buf.length < start + len) return;
      const body = buf.subarray(start, start + len).toString("utf8");
      buf = buf.subarray(start + len);
      try { onMessage(JSON.parse(body)); } catch { onError(`a message that is not JSON: ${JSON.stringify(body.slice(0, 80))}`); }
    }
  });
}

export function writeMessage(out: Writable, msg: object): void {
  const body = Buffer.from(JSON.stringify(msg), "utf8");
  out.write(`Content-Length: ${body.length}\r\n\r\n`);
  out.write(body);
}

export interface DapOptions {
  /** The program given on the command line (launch's `program` overrides it). */
  program?: string;
  memoryMB?: number;
  optimizeLevel?: number;
  jit?: JitMode;
  /** Called when the session is over (the process may exit). */
  onEnd?: () => void;
}

export class DapServer {
  private seq = 1;
  private dbg: Debugger | undefined;
  private loaded: LoadedTarget | undefined;
  private stopOnEntry = false;
  private refs = new Map<number, { kind: "locals"; frame: number } | { kind: "globals" }>();
  private nextRef = 1;
  private ended = false;

  constructor(private readonly input: Readable, private readonly output: Writable, private readonly opts: DapOptions = {}) {
    readMessages(input, (m) => { void this.handle(m as Request); }, (why) => this.event("output", { category: "stderr", output: `kt debug: ${why}\n` }));
    input.on("end", () => { void this.end(); });
  }

  private send(msg: object): void { if (!this.output.writableEnded) writeMessage(this.output, { seq: this.seq++, ...msg }); }
  private event(event: string, body?: object): void { this.send({ type: "event", event, ...(body ? { body } : {}) }); }
  private respond(req: Request, body?: object): void { this.send({ type: "response", request_seq: req.seq, success: true, command: req.command, ...(body ? { body } : {}) }); }
  private fail(req: Request, message: string): void {
    this.send({ type: "response", request_seq: req.seq, success: false, command: req.command, message, body: { error: { id: 1, format: message, showUser: true } } });
  }

  private async handle(req: Request): Promise<void> {
    if (!req || req.type !== "request" || typeof req.command !== "string") return;
    const a = req.arguments ?? {};
    try {
      switch (req.command) {
        case "initialize":
          this.respond(req, {
            supportsConfigurationDoneRequest: true, supportsFunctionBreakpoints: true, supportsEvaluateForHovers: true,
            supportsReadMemoryRequest: true, supportsTerminateRequest: true,
            exceptionBreakpointFilters: [{ filter: "panic", label: "Panic: a trap, a failed assertion or a CPU exception", default: false }],
          });
          return;
        case "launch": return await this.launch(req, a);
        case "setBreakpoints": {
          const src = a.source as { path?: string } | undefined;
          const given = a.breakpoints ?? (Array.isArray(a.lines) ? (a.lines as unknown[]).map((line) => ({ line })) : []);
          if (!Array.isArray(given)) return this.fail(req, "setBreakpoints: breakpoints must be an array of { line }");
          const lines = given.map((b) => (b as { line?: unknown })?.line);
          if (!lines.every((l): l is number => Number.isInteger(l) && (l as number) >= 1)) return this.fail(req, "setBreakpoints: every breakpoint needs a line, a whole number from 1");
          if (typeof src?.path !== "string" || !src.path) return this.fail(req, "setBreakpoints: source.path is required");
          const r = this.need().setBreakpoints(src.path, lines);
          this.respond(req, { breakpoints: r.map((b) => ({ verified: b.verified, line: b.line, message: b.message, source: { path: src.path } })) });
          return;
        }
        case "setFunctionBreakpoints": {
          const r = this.need().setFunctionBreakpoints(((a.breakpoints as { name: string }[] | undefined) ?? []).map((b) => b.name));
          this.respond(req, { breakpoints: r.map((b) => ({ verified: b.verified, line: b.line, message: b.message, ...(b.path ? { source: { path: b.path } } : {}) })) });
          return;
        }
        case "setExceptionBreakpoints":
          this.need().setExceptionFilters((a.filters as string[] | undefined) ?? []);
          this.respond(req);
          return;
        case "configurationDone": {
          const dbg = this.need();
          dbg.start(this.stopOnEntry);
          this.respond(req);
          return;
        }
        case "threads": this.respond(req, { threads: this.dbg ? this.dbg.threads() : [{ id: 1, name: "kernel" }] }); return;
        case "stackTrace": {
          const all = this.need().stackTrace(Number(a.threadId ?? 1));
          const start = Number(a.startFrame ?? 0), levels = Number(a.levels ?? 0);
          const frames = all.slice(start, levels > 0 ? start + levels : undefined);
          this.respond(req, {
            totalFrames: all.length,
            stackFrames: frames.map((f) => ({
              id: f.id, name: f.name, line: f.line, column: f.line ? 1 : 0,
              ...(f.path ? { source: { path: f.path, name: f.path.slice(f.path.lastIndexOf("/") + 1) } } : {}),
              ...(f.marker ? { presentationHint: "label" } : {}),
              instructionPointerReference: f.pc >= 0 ? String(f.pc) : undefined,
            })),
          });
          return;
        }
        case "scopes": {
          const frame = Number(a.frameId);
          const locals = this.ref({ kind: "locals", frame }), globals = this.ref({ kind: "globals" });
          this.respond(req, { scopes: [{ name: "Locals", variablesReference: locals, expensive: false, presentationHint: "locals" }, { name: "Globals", variablesReference: globals, expensive: false }] });
          return;
        }
        case "variables": {
          const r = this.refs.get(Number(a.variablesReference));
          if (!r) { this.respond(req, { variables: [] }); return; }
          const vars = r.kind === "locals" ? this.need().locals(r.frame) : this.need().globals();
          this.respond(req, { variables: vars.map((v) => ({ name: v.name, value: v.value, variablesReference: 0, ...(v.address !== undefined ? { memoryReference: `0x${v.address.toString(16)}` } : {}) })) });
          return;
        }
        case "evaluate": {
          const result = this.need().evaluate(String(a.expression ?? ""), a.frameId === undefined ? undefined : Number(a.frameId));
          this.respond(req, { result, variablesReference: 0 });
          return;
        }
        case "readMemory": {
          const ref = String(a.memoryReference ?? ""), offset = Number(a.offset ?? 0), count = Number(a.count ?? 0);
          if (!/^(0x[0-9a-f]+|\d+)$/i.test(ref)) return this.fail(req, `readMemory: memoryReference must be an address (0x… or decimal), not ${JSON.stringify(ref)}`);
          if (!Number.isInteger(offset) || !Number.isInteger(count) || count < 0 || count > 1 << 20) return this.fail(req, "readMemory: count must be a whole number from 0 to 1048576, offset a whole number");
          const base = Number(BigInt(ref) & 0xffffffffn);
          const addr = (base + offset) >>> 0;
          const bytes = this.need().readMemory(addr, count) ?? new Uint8Array(0);
          this.respond(req, { address: `0x${addr.toString(16)}`, data: Buffer.from(bytes).toString("base64"), unreadableBytes: count - bytes.length });
          return;
        }
        case "continue": this.need().continue(); this.respond(req, { allThreadsContinued: true }); return;
        case "next": this.need().next(); this.respond(req); return;
        case "stepIn": this.need().stepIn(); this.respond(req); return;
        case "stepOut": this.need().stepOut(); this.respond(req); return;
        case "pause": this.need().pause(); this.respond(req); return;
        case "disconnect": case "terminate":
          this.respond(req);
          await this.end();
          return;
        default:
          this.fail(req, `kt debug: unsupported request ${req.command}`);
      }
    } catch (e) {
      this.fail(req, (e as Error).message.split("\n")[0]);
    }
  }

  private ref(r: { kind: "locals"; frame: number } | { kind: "globals" }): number {
    const id = this.nextRef++;
    this.refs.set(id, r);
    return id;
  }

  private need(): Debugger {
    if (!this.dbg) throw new Error("kt debug: no program launched yet");
    return this.dbg;
  }

  private async launch(req: Request, a: Record<string, unknown>): Promise<void> {
    if (this.dbg) return this.fail(req, "kt debug: a program is launched already (one per session)");
    const program = (a.program as string | undefined) ?? this.opts.program;
    if (!program) return this.fail(req, "kt debug: launch needs `program` (a .ts entry or an image from kt build --debug)");
    this.stopOnEntry = a.stopOnEntry === true;
    const jit = (a.jit as JitMode | undefined) ?? this.opts.jit;
    if (jit !== undefined && !["off", "lazy", "eager"].includes(jit)) return this.fail(req, `kt debug: jit takes lazy, eager or off, not ${String(jit)}`);
    const level = a.optimize !== undefined ? Number(a.optimize) : this.opts.optimizeLevel;
    if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 3)) return this.fail(req, `kt debug: optimize takes 0 to 3, not ${String(a.optimize)}`);
    const memory = Number(a.memory ?? this.opts.memoryMB ?? 64);
    if (!(Number.isInteger(memory) && memory >= 2 && memory <= 3072)) return this.fail(req, `kt debug: memory takes 2 to 3072 (MiB), not ${String(a.memory)}`);
    this.loaded = await loadDebugTarget(program, { optimizeLevel: level, jit });
    let machine: Machine;
    try { machine = await Machine.boot(this.loaded.elf, { memoryMB: memory, paused: true }); } catch (e) {
      return this.fail(req, `kt debug: ${program}: ${(e as Error).message.split("\n")[0]}`);
    }
    const dbg = new Debugger(machine, this.loaded.target);
    this.dbg = dbg;
    machine.onSerial((bytes) => this.event("output", { category: "stdout", output: Buffer.from(bytes).toString("latin1") }));
    dbg.onStop((s: Stop) => {
      this.refs.clear();
      this.event("stopped", { reason: s.reason, description: s.description, text: s.text, threadId: s.threadId, allThreadsStopped: true });
    });
    dbg.onExit((code) => {
      this.event("exited", { exitCode: code });
      this.event("terminated");
    });
    this.respond(req);
    this.event("initialized");
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.dbg && !this.dbg.hasEnded) { await this.dbg.terminate(); this.event("terminated"); }
    this.opts.onEnd?.();
  }
}
