// `kt web --out DIR` (issue I): the page as a static site, served by a plain static file server
// (Node's http module, as any host would serve files), at the root and under a sub-path; it
// boots to the prompt and answers `heap`, and fetches nothing from outside it.
import { describe, it, expect, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { chromiumChecks, launchChromium } from "../lib/browser.ts";
import { kt } from "../lib/kt.ts";
import { staticServer } from "../lib/static-server.ts";

let browser: Browser | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-site-test-"));
afterAll(async () => { await browser?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

describe("kt web --out: a static site", () => {
  it("writes the site and says its size in one line; bad combinations are one-line errors", () => {
    const r = kt(["web", "--out", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^kt web: wrote ${dir}: 9 files, \\d+ KiB \\(index.html \\d+ KiB, main.js \\d+ KiB, style.css \\d+ KiB, build.js \\d+ KiB, v86.wasm \\d+ KiB, kernel.elf \\d+ KiB, playground.js \\d+ KiB, playground-worker.js \\d+ KiB, kernel-sources.json \\d+ KiB\\)\\n$`));
    expect(fs.readdirSync(dir).sort()).toEqual(["build.js", "index.html", "kernel-sources.json", "kernel.elf", "main.js", "playground-worker.js", "playground.js", "style.css", "v86.wasm"]);
    expect(kt(["web", "--out", dir, "--watch"]).stderr).toBe("kt web: --watch serves the page; --out writes it as files\n");
    expect(kt(["web", "--out", "README.md"]).stderr).toBe("kt web: --out README.md: not a directory\n");
  }, 120_000);

  for (const prefix of ["/", "/some/path/"]) {
    it(`boots to the prompt and answers heap, served from ${prefix}`, async () => {
      if (!chromiumChecks("the static site")) return;
      const server = await staticServer(dir, prefix);
      try {
        browser ??= await launchChromium();
        const page = await browser.newPage();
        const outside: string[] = [];
        page.on("request", (req) => { if (!req.url().startsWith(server.url) && !req.url().startsWith("data:") && !req.url().startsWith("blob:")) outside.push(req.url()); });
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(server.url);
        await page.waitForFunction("window.kt?.prompted() === true", undefined, { timeout: 60_000 }).catch((e: Error) => { throw new Error(`${e.message}; page errors: ${errors.join("; ") || "none"}`); });
        await page.click("#terminal");
        await page.keyboard.type("heap");
        await page.keyboard.press("Enter");
        await page.waitForFunction("/kt> heap\\n[^]*tlsf: heap[^]*\\nkt> $/.test(window.kt.text())", undefined, { timeout: 30_000 });
        expect(outside).toEqual([]);
        expect(errors).toEqual([]);
        console.log(`static site from ${prefix}: load → prompt ${Math.round((await page.evaluate("window.kt.promptMs()")) as number)} ms`);
        expect(server.requests.every((r) => r.startsWith(prefix))).toBe(true);
        await page.close();
      } finally { await server.close(); }
    }, 120_000);
  }

  it("with --debug it carries a debug image, and the page shows its debug panel", async () => {
    if (!chromiumChecks("the static site's debug panel")) return;
    const dbgDir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-site-debug-"));
    try {
      expect(kt(["web", "--out", dbgDir, "--debug"]).code).toBe(0);
      const server = await staticServer(dbgDir, "/");
      try {
        browser ??= await launchChromium();
        const page = await browser.newPage();
        await page.goto(server.url);
        await page.waitForFunction("window.kt?.prompted() === true", undefined, { timeout: 60_000 });
        expect(await page.isVisible("#debug")).toBe(true);
        expect(await page.evaluate("window.kt.debug().state")).toBe("running");
        await page.close();
      } finally { await server.close(); }
    } finally { fs.rmSync(dbgDir, { recursive: true, force: true }); }
  }, 180_000);
});
