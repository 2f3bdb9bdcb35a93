import { it, expect } from "vitest";
import path from "node:path";
import { DapClient } from "../lib/dap-client.ts";
const LOOP = path.resolve("tests/debug/programs/loop.ts");
const log = (...a: unknown[]) => console.log("RV>", ...a.map((x) => typeof x === "string" ? x : JSON.stringify(x)));

it("after exit, stdio framing", async () => {
  const c = DapClient.spawn();
  let r = await c.raw("configurationDone"); log("cd before launch", r.success, r.message);
  (c as any).toServer.write("Content-Length: 5\r\n\r\n{bad}");
  (c as any).toServer.write("Hello\r\n\r\n");
  (c as any).toServer.write("Content-Length: 4\r\n\r\nnull");
  (c as any).toServer.write("Content-Length: 2\r\n\r\n[]");
  (c as any).toServer.write('Content-Length: 40\r\n\r\n{"type":"request","command":"threads"}  ');
  r = await c.raw("initialize", {}); log("init", r.success);
  r = await c.raw("launch", { program: LOOP, optimize: 7 }); log("launch", r.success, r.message);
  await c.waitEvent("initialized");
  r = await c.raw("configurationDone"); log("cd", r.success);
  const ex = await c.waitEvent("exited"); log("exited", ex.body);
  await c.waitEvent("terminated");
  for (const cmd of ["continue", "next", "pause", "stackTrace", "evaluate", "threads"]) { r = await c.raw(cmd, { threadId: 1, expression: "calls" }); log("after exit", cmd, r.success, r.message, r.body); }
  await new Promise((res) => setTimeout(res, 500));
  log("child exit code", c.child!.exitCode);
  await c.close();
});
