// A Debug Adapter Protocol client for the tests (tests/debug/): talks to `kt debug` — in this
// process (DapServer on a pair of streams) or a child process — and waits for events.
import { PassThrough, type Readable, type Writable } from "node:stream";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { readMessages, writeMessage, DapServer } from "../../emulator/debug/dap.ts";

export interface DapMessage { seq: number; type: string; command?: string; event?: string; success?: boolean; message?: string; body?: any; request_seq?: number }

export class DapClient {
  private seq = 1;
  private pending = new Map<number, (m: DapMessage) => void>();
  private events: DapMessage[] = [];
  private eventWaiters: { pred: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }[] = [];
  /** Everything the guest wrote to COM1 (output events). */
  output = "";
  child?: ChildProcess;

  constructor(private readonly toServer: Writable, fromServer: Readable) {
    readMessages(fromServer, (raw) => {
      const m = raw as DapMessage;
      if (m.type === "response") { this.pending.get(m.request_seq!)?.(m); this.pending.delete(m.request_seq!); return; }
      if (m.type !== "event") return;
      if (m.event === "output" && m.body?.category === "stdout") this.output += m.body.output;
      const w = this.eventWaiters.find((x) => x.pred(m));
      if (w) { this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1); w.resolve(m); } else this.events.push(m);
    }, (why) => { throw new Error(why); });
  }

  /** A server in this process. */
  static inProcess(): DapClient {
    const toServer = new PassThrough(), fromServer = new PassThrough();
    new DapServer(toServer, fromServer);
    return new DapClient(toServer, fromServer);
  }
  /** `kt debug` as a child process, over its stdin and stdout. */
  static spawn(args: string[] = []): DapClient {
    const kt = path.resolve("emulator/bin/kt.js");
    const child = spawn(process.execPath, [kt, "debug", ...args], { stdio: ["pipe", "pipe", "inherit"] });
    const c = new DapClient(child.stdin!, child.stdout!);
    c.child = child;
    return c;
  }

  /** Sends a request; resolves with its response (rejects when it failed). */
  async request(command: string, args?: object): Promise<any> {
    const r = await this.raw(command, args);
    if (!r.success) throw new Error(`${command} failed: ${r.message}`);
    return r.body;
  }
  raw(command: string, args?: object): Promise<DapMessage> {
    const seq = this.seq++;
    const p = new Promise<DapMessage>((resolve) => this.pending.set(seq, resolve));
    writeMessage(this.toServer, { seq, type: "request", command, ...(args ? { arguments: args } : {}) });
    return p;
  }
  /** The next event named `event` (and matching `pred`), already received or to come. */
  waitEvent(event: string, timeoutMs = 30_000, pred: (m: DapMessage) => boolean = () => true): Promise<DapMessage> {
    const match = (m: DapMessage) => m.event === event && pred(m);
    const i = this.events.findIndex(match);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${event} event in ${timeoutMs} ms; output so far:\n${this.output.slice(-500)}`)), timeoutMs);
      this.eventWaiters.push({ pred: match, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }
  /** Waits until the guest's output contains `text`. */
  async waitOutput(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(typeof text === "string" ? this.output.includes(text) : text.test(this.output))) {
      if (Date.now() > end) throw new Error(`no ${String(text)} in the output: ${this.output.slice(-300)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** initialize, launch, the given configuration, configurationDone. */
  async launch(args: object, configure: (c: DapClient) => Promise<void> = async () => {}): Promise<void> {
    await this.request("initialize", { adapterID: "kt", linesStartAt1: true, columnsStartAt1: true });
    await this.request("launch", args);
    await this.waitEvent("initialized");
    await configure(this);
    await this.request("configurationDone");
  }
  /** The top frames of the stopped thread: name, line and the frame id. */
  async frames(threadId = 1): Promise<{ id: number; name: string; line: number; source?: { path: string } }[]> {
    return (await this.request("stackTrace", { threadId })).stackFrames;
  }
  /** A frame's locals as name → value text. */
  async locals(frameId: number): Promise<Record<string, string>> {
    const scopes = (await this.request("scopes", { frameId })).scopes;
    const vars = (await this.request("variables", { variablesReference: scopes[0].variablesReference })).variables;
    return Object.fromEntries(vars.map((v: { name: string; value: string }) => [v.name, v.value]));
  }
  async close(): Promise<void> {
    await this.raw("disconnect").catch(() => {});
    this.child?.kill();
  }
}
