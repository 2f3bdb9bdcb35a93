import { it } from "vitest";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { launchChromium } from "../lib/browser.ts";
it("spike", async () => {
  const dir = path.resolve("scratch/spike/out");
  const server = http.createServer((req, res) => { const f = path.join(dir, (req.url ?? "/").split("?")[0].slice(1) || "index.html"); console.log("req", req.url); if (!fs.existsSync(f)) { res.writeHead(404).end(); return; } res.writeHead(200, { "content-type": f.endsWith(".js") ? "text/javascript" : "text/html" }).end(fs.readFileSync(f)); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as any).port;
  const b = await launchChromium();
  const p = await b.newPage();
  p.on("console", (m) => console.log("console:", m.text()));
  p.on("pageerror", (e) => console.log("pageerror:", e.message));
  await p.goto(`http://127.0.0.1:${port}/`);
  await p.waitForFunction("window.result !== undefined", undefined, { timeout: 60000 });
  console.log(JSON.stringify(await p.evaluate("window.result")));
  await b.close(); server.close();
}, 90000);
