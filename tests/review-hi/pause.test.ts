import { it } from "vitest";
import path from "node:path";
import { DapClient } from "../lib/dap-client.ts";
const P = path.resolve("tests/review-hi/p/spin.ts");
const log = (...a: unknown[]) => console.log("RV>", ...a.map((x) => typeof x === "string" ? x : JSON.stringify(x)));

for (const jit of ["off", "lazy", "eager"]) it(`pause ${jit}`, async () => {
  const c = DapClient.inProcess();
  await c.launch({ program: P, jit });
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 200));
    await c.request("pause", { threadId: 1 });
    await c.request("pause", { threadId: 1 });
    const s = await c.waitEvent("stopped", 10000);
    const st = await c.request("stackTrace", { threadId: 1 });
    const fr = st.stackFrames;
    log(jit, "pause", s.body.reason, fr.map((f: any) => `${f.name}:${f.line}`).join(" < "), await c.locals(fr[0].id), (await c.request("evaluate", { expression: "count" })).result, (await c.request("evaluate", { expression: "ticks" })).result);
    if (i === 1) {
      for (let k = 0; k < 4; k++) {
        await c.request("stepIn", { threadId: 1 });
        const s2 = await c.waitEvent("stopped", 10000);
        const fr2 = (await c.request("stackTrace", { threadId: 1 })).stackFrames;
        log(jit, "  stepIn", s2.body.reason, fr2.map((f: any) => `${f.name}:${f.line}`).join(" < "), await c.locals(fr2[0].id), (await c.request("evaluate", { expression: "count" })).result);
      }
    }
    await c.request("continue", { threadId: 1 });
  }
  // stop it
  await c.request("pause", { threadId: 1 });
  await c.waitEvent("stopped", 10000);
  const fr = (await c.request("stackTrace", { threadId: 1 })).stackFrames;
  log("frames", fr.map((f: any) => `${f.name}:${f.line}`));
  await c.close();
});
