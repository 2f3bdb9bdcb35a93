import { it } from "vitest";
import path from "node:path";
import { DapClient } from "../lib/dap-client.ts";
const P = path.resolve("tests/review-hi/p/thr.ts");
const log = (...a: unknown[]) => console.log("RV>", ...a.map((x) => typeof x === "string" ? x : JSON.stringify(x)));

for (const jit of ["off", "eager"]) it(`threads ${jit}`, async () => {
  const c = DapClient.inProcess();
  await c.launch({ program: P, jit }, async (c) => {
    await c.request("setBreakpoints", { source: { path: P }, breakpoints: [{ line: 22 }] });
  });
  for (let i = 0; i < 4; i++) {
    const s = await c.waitEvent("stopped"); log("stop", s.body);
    const th = (await c.request("threads")).threads; log("threads", th);
    for (const t of th) {
      const st = await c.request("stackTrace", { threadId: t.id });
      log("  thread", t.id, st.stackFrames.map((f: any) => `${f.name}:${f.line}`).join(" < "));
      const f0 = st.stackFrames.find((f: any) => f.name === "worker");
      if (f0) log("    worker locals", await c.locals(f0.id));
    }
    if (i == 1) {
      // step over: stays on the same thread?
      for (let k = 0; k < 3; k++) {
        await c.request("next", { threadId: s.body.threadId });
        const s2 = await c.waitEvent("stopped"); 
        const st = await c.request("stackTrace", { threadId: s2.body.threadId });
        const fr = st.stackFrames;
        log("  next ->", s2.body, fr.map((f: any) => `${f.name}:${f.line}`).join(" < "), await c.locals(fr[0].id));
      }
    }
    await c.request("continue", { threadId: 1 });
  }
  await c.request("setBreakpoints", { source: { path: P }, breakpoints: [] });
  await c.request("setFunctionBreakpoints", { breakpoints: [{ name: "work" }] });
  let s = await c.waitEvent("stopped"); log("stop work", s.body);
  let st = await c.request("stackTrace", { threadId: s.body.threadId });
  log("  ", st.stackFrames.map((f: any) => `${f.name}:${f.line}`).join(" < "), await c.locals(st.stackFrames[0].id));
  await c.request("setFunctionBreakpoints", { breakpoints: [] });
  await c.request("stepOut", { threadId: s.body.threadId });
  s = await c.waitEvent("stopped"); st = await c.request("stackTrace", { threadId: s.body.threadId });
  log("  stepOut ->", s.body, st.stackFrames.map((f: any) => `${f.name}:${f.line}`).join(" < "), await c.locals(st.stackFrames[0].id));
  await c.request("continue", { threadId: 1 });
  await new Promise((r) => setTimeout(r, 30));
  await c.request("pause", { threadId: 1 });
  s = await c.waitEvent("stopped"); st = await c.request("stackTrace", { threadId: s.body.threadId });
  log("  pause ->", s.body, st.stackFrames.map((f: any) => `${f.name}:${f.line}`).join(" < "));
  for (let k = 0; k < 3; k++) {
    await c.request("next", { threadId: s.body.threadId });
    const s2 = await c.waitEvent("stopped"); st = await c.request("stackTrace", { threadId: s2.body.threadId });
    log("  next ->", s2.body, st.stackFrames.map((f: any) => `${f.name}:${f.line}`).join(" < "), await c.locals(st.stackFrames[0].id));
  }
  await c.request("continue", { threadId: 1 });
  const ex = await c.waitEvent("exited"); log("exit", ex.body, c.output);
  await c.close();
});
