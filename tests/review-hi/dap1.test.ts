import { it, expect } from "vitest";
import path from "node:path";
import { DapClient } from "../lib/dap-client.ts";
import { writeMessage } from "../../emulator/debug/dap.ts";
const LOOP = path.resolve("tests/debug/programs/loop.ts");
const log = (...a: unknown[]) => console.log("RV>", ...a.map((x) => typeof x === "string" ? x : JSON.stringify(x)));

it("before launch and bad requests", async () => {
  const c = DapClient.inProcess();
  for (const [cmd, args] of [["setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: 10 }] }], ["configurationDone", {}], ["continue", {}], ["stackTrace", {}], ["evaluate", { expression: "calls" }], ["threads", {}], ["pause", {}], ["foo", {}], ["scopes", {}], ["variables", { variablesReference: 5 }]] as const) {
    const r = await c.raw(cmd, args); log(cmd, r.success, r.message, r.body);
  }
  let r = await c.raw("launch", { program: "/nonexistent.ts" }); log("launch nonexist", r.success, r.message);
  r = await c.raw("launch", { program: 42 }); log("launch 42", r.success, r.message);
  r = await c.raw("launch", { program: LOOP, jit: "fast" }); log("launch jit", r.success, r.message);
  r = await c.raw("launch", { program: LOOP, memory: "abc" }); log("launch memory abc", r.success, r.message);
  r = await c.raw("launch", { program: LOOP, optimize: 7 }); log("launch opt 7", r.success, r.message);
  r = await c.raw("launch", { program: LOOP, stopOnEntry: true }); log("launch ok", r.success, r.message);
  await c.waitEvent("initialized");
  r = await c.raw("setBreakpoints", { source: { path: LOOP }, breakpoints: "x" }); log("sb bad", r.success, r.message);
  r = await c.raw("setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: "abc" }] }); log("sb line abc", r.success, r.message, r.body);
  r = await c.raw("setBreakpoints", { source: { path: LOOP }, breakpoints: [{ line: -3 }] }); log("sb line -3", r.success, r.message, r.body);
  r = await c.raw("setFunctionBreakpoints", { breakpoints: [{}] }); log("sfb {}", r.success, r.message, r.body);
  r = await c.raw("launch", { program: LOOP }); log("launch again", r.success, r.message);
  r = await c.raw("configurationDone"); log("cd", r.success, r.message);
  const s = await c.waitEvent("stopped"); log("stopped", s.body);
  r = await c.raw("configurationDone"); log("cd again", r.success, r.message);
  r = await c.raw("stackTrace", { threadId: 99 }); log("st 99", r.success, r.body);
  r = await c.raw("stackTrace", { threadId: 1, startFrame: -1, levels: 1 }); log("st -1", r.success, r.body);
  r = await c.raw("readMemory", { memoryReference: "zz", count: 4 }); log("rm zz", r.success, r.message);
  r = await c.raw("readMemory", { memoryReference: "0x300000", count: -4 }); log("rm -4", r.success, r.message, r.body);
  r = await c.raw("readMemory", { memoryReference: "0xfffffffe", count: 8 }); log("rm wrap", r.success, r.message, r.body);
  r = await c.raw("readMemory", { memoryReference: "0x3fffffe", count: 8 }); log("rm end", r.success, r.message, r.body);
  for (const e of ["", "u32[", "u32[0xffffffff]", "u64[0x3fffffc]", "u8[calls + ]", "99999999999999999999", "-1", "calls - 1", "u32[calls - 5]", "x", "u32[]", "f32[0]", "0x", "1e3"]) {
    r = await c.raw("evaluate", { expression: e }); log("eval", JSON.stringify(e), r.success, r.message ?? r.body?.result);
  }
  r = await c.raw("evaluate", { expression: "calls", frameId: 12345 }); log("eval frame bad", r.success, r.message ?? r.body?.result);
  r = await c.raw("scopes", { frameId: 9999 }); log("scopes bad", r.success, r.body);
  r = await c.raw("variables", { variablesReference: r.body.scopes[0].variablesReference }); log("vars bad frame", r.success, r.body);
  r = await c.raw("pause", {}); log("pause while stopped", r.success);
  r = await c.raw("continue", {}); log("continue", r.success);
  r = await c.raw("next", {}); log("next while running", r.success, r.message);
  r = await c.raw("stackTrace", { threadId: 1 }); log("st running", r.success, r.body);
  const ex = await c.waitEvent("exited"); log("exited", ex.body);
  for (const cmd of ["continue", "next", "pause", "stackTrace", "evaluate"]) { r = await c.raw(cmd, { threadId: 1, expression: "calls" }); log("after exit", cmd, r.success, r.message, r.body); }
  await c.close();
});
