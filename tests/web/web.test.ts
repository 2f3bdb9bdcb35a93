// `kt web` as a user drives it: the page boots the kernel to its prompt through every boot stage,
// the terminal talks to the shell, the heap map redraws when `alloc` and `free` change a heap, the
// reboot button boots again; with --watch a saved edit reboots the page into the rebuilt kernel
// and a build error shows in the page while the old kernel keeps running; bad flags get one line.
// The page is read through its test hook, window.kt (emulator/web/main.ts). Timings are printed, not asserted.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { HeapMap } from "../../emulator/heapmap.ts";
import { REPO_ROOT } from "../../toolchain/asc.ts";
import { chromiumChecks, launchChromium, startKtWeb, type KtWeb } from "../lib/browser.ts";
import { kt } from "../lib/kt.ts";

const WAIT_MS = 60_000;
const ARTIFACTS = path.join(REPO_ROOT, "test-artifacts");

/** window.kt.<expr> in the page. */
function hook<T>(page: Page, expr: string): Promise<T> {
  return page.evaluate(`window.kt.${expr}`) as Promise<T>;
}

/** Waits until the page's hook expression `expr` is true. */
async function until(page: Page, expr: string, timeout = WAIT_MS): Promise<void> {
  await page.waitForFunction(expr, undefined, { timeout, polling: 50 });
}

/** Waits until the terminal text after offset `from` matches `re`; returns the match. */
async function waitText(page: Page, re: RegExp, from = 0): Promise<RegExpExecArray> {
  await until(page, `new RegExp(${JSON.stringify(re.source)}).test(window.kt.text().slice(${from}))`);
  return re.exec((await hook<string>(page, "text()")).slice(from))!;
}

/** Types `line` and Enter into the terminal; resolves with its output up to the next prompt. */
async function command(page: Page, line: string): Promise<string> {
  const from = (await hook<string>(page, "text()")).length;
  await page.click("#terminal");
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
  const m = await waitText(page, /^[^\n]*\n([^]*?)\nkt> $/, from);
  return m[1];
}

/** A hash of the heap map canvas's pixels. */
async function canvasHash(page: Page): Promise<string> {
  const url = await page.evaluate(`document.getElementById("heapmap").toDataURL()`) as string;
  return crypto.createHash("sha256").update(url).digest("hex");
}

/** Waits until the canvas differs from `hash`; returns the new hash. */
async function canvasChange(page: Page, hash: string): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const h = await canvasHash(page);
    if (h !== hash) return h;
    if (Date.now() - t0 > WAIT_MS) throw new Error("the heap map canvas did not change");
    await page.waitForTimeout(50);
  }
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(url);
  await until(page, "window.kt?.prompted() === true").catch((e: Error) => { throw new Error(`${e.message}; page errors: ${errors.join("; ") || "none"}`); });
  return page;
}

/** `kt web ...args` with a Chromium page open on it, at the prompt. */
async function startWithPage(args: string[]): Promise<{ web: KtWeb; browser: Browser; page: Page }> {
  const web = await startKtWeb(args);
  const browser = await launchChromium();
  return { web, browser, page: await openPage(browser, web.url) };
}

/** Closes the browser and stops kt web, which must exit 0. */
async function stopWithPage(web: KtWeb | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close();
  if (web) expect(await web.stop()).toBe(0);
}

describe("kt web › the page", () => {
  let web: KtWeb | undefined, browser: Browser | undefined, page: Page;

  beforeAll(async () => {
    if (!chromiumChecks("kt web")) return;
    ({ web, browser, page } = await startWithPage(["--port", "0"]));
  }, 180_000);
  afterAll(() => stopWithPage(web, browser));

  it("boots the kernel to its prompt, every boot stage done", async () => {
    if (!browser) return;
    const stages = await hook<{ name: string; state: string }[]>(page, "stages()");
    expect(stages.map((s) => s.name)).toEqual(["emulator", "image", "memory map", "balloc", "frames", "paging", "palloc", "tlsf", "selftest", "prompt"]);
    expect(stages.filter((s) => s.state !== "done")).toEqual([]);
    const text = await hook<string>(page, "text()");
    expect(text).toMatch(/^selftest: 15 passed, 0 failed$/m);
    expect(text.endsWith("kernel-ts shell: type help\nkt> ")).toBe(true);
    console.log(`kt web: page load to prompt ${Math.round((await hook<number>(page, "promptMs()")))} ms`);
  });

  it("heap prints the figures in the terminal", async () => {
    if (!browser) return;
    const out = await command(page, "heap");
    expect(out).toMatch(/^palloc: pool 0xc0000000, \d+ used, \d+ free, \d+ blocks, /m);
    expect(out).toMatch(/^tlsf: heap 0xd0000000\.\.0x[0-9a-f]{8} \(limit 0xe0000000\), \d+ used, \d+ free, .* \d+ blocks, /m);
  });

  it("alloc tlsf redraws the map with one more used TLSF block; free redraws it as before", async () => {
    if (!browser) return;
    await until(page, "window.kt.heapMap() !== undefined && window.kt.redraws() > 0");
    const before = (await hook<HeapMap>(page, "heapMap()")).tlsf;
    const h0 = await canvasHash(page);
    const addr = /^tlsf: (0x[0-9a-f]{8}) \(4096 bytes\)$/.exec(await command(page, "alloc tlsf 4096"))![1];
    const h1 = await canvasChange(page, h0);
    await until(page, `window.kt.heapMap()?.tlsf.usedBlocks === ${before.usedBlocks + 1}`);
    const mid = (await hook<HeapMap>(page, "heapMap()")).tlsf;
    expect(mid.blocks.filter((b) => b.used).length).toBe(before.blocks.filter((b) => b.used).length + 1);
    const block = mid.blocks.find((b) => b.addr === Number(addr) - 8)!; // the header before the payload
    expect(block.used).toBe(true);
    expect(block.size).toBeGreaterThanOrEqual(4096 + 8);
    // Under the mouse, the map names the block (its tooltip). Where it is drawn is found in the page.
    const spot = await page.evaluate(`(() => {
      const c = document.getElementById("heapmap"), r = c.getBoundingClientRect();
      for (let y = 0; y < r.height; y += 2) for (let x = 0; x < r.width; x++) {
        if (window.kt.blockAt(x, y)?.block.addr === ${block.addr}) return { x: r.x + x, y: r.y + y };
      }
      return undefined;
    })()`) as { x: number; y: number } | undefined;
    if (spot) await page.mouse.move(spot.x, spot.y);
    const hover = spot;
    expect(hover, "the block is drawn somewhere").toBeDefined();
    expect(await page.getAttribute("#heapmap", "title")).toBe(
      `TLSF heap: used block 0x${(Number(addr) - 8).toString(16).padStart(8, "0")}, ${block.size.toLocaleString("en-US")} B with its 8-byte header (payload ${addr}: free ${addr})`);
    expect(await command(page, `free ${addr}`)).toBe(`freed ${addr} (tlsf)`);
    await canvasChange(page, h1);
    await until(page, `window.kt.heapMap()?.tlsf.usedBlocks === ${before.usedBlocks}`);
    expect((await hook<HeapMap>(page, "heapMap()")).tlsf.blocks).toEqual(before.blocks);
  });

  it("alloc palloc shows in the palloc band too", async () => {
    if (!browser) return;
    const before = (await hook<HeapMap>(page, "heapMap()")).palloc;
    const h0 = await canvasHash(page);
    const addr = /^palloc: (0x[0-9a-f]{8}) \(100 bytes\)$/.exec(await command(page, "alloc palloc 100 64"))![1];
    await canvasChange(page, h0);
    await until(page, `window.kt.heapMap()?.palloc.usedBlocks === ${before.usedBlocks + 1}`);
    expect(await command(page, `free ${addr}`)).toBe(`freed ${addr} (palloc)`);
    await until(page, `window.kt.heapMap()?.palloc.usedBlocks === ${before.usedBlocks}`);
  });

  it("the reboot button boots the kernel again to its prompt", async () => {
    if (!browser) return;
    const boots = await hook<number>(page, "boots()");
    await page.click("#reboot");
    await until(page, `window.kt.boots() === ${boots + 1} && window.kt.prompted()`);
    expect(await hook<string>(page, "text()")).toMatch(new RegExp(`^── boot ${boots + 1} · build 1 of kernel-ts/main\\.ts`));
    await until(page, "window.kt.heapMap()?.tlsf.usedBlocks === 0");
    // Something to see in the screenshot: a few blocks in each heap.
    for (const line of ["alloc tlsf 200000", "alloc tlsf 50000", "alloc palloc 30000", "alloc palloc 4000 4096"]) await command(page, line);
    await until(page, "window.kt.heapMap()?.tlsf.usedBlocks === 2 && window.kt.heapMap()?.palloc.usedBlocks === 2");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.waitForTimeout(300); // the map's redraw after the last reply
    await page.screenshot({ path: path.join(ARTIFACTS, "web.png") });
  });
});

describe("kt web › --watch", () => {
  let web: KtWeb | undefined, browser: Browser | undefined, page: Page;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-web-"));
  const entry = path.join(dir, "main.ts");
  /** A kernel entry that prints `marker` and then boots the real kernel. */
  const source = (marker: string) =>
    `import { puts } from "kernel-ts/dev/serial";\nimport { kmain as kernelMain } from "kernel-ts/main";\n` +
    `export function kmain(): void { puts("${marker}\\n"); kernelMain(); }\n`;

  beforeAll(async () => {
    if (!chromiumChecks("kt web --watch")) return;
    fs.writeFileSync(entry, source("watch test v1"));
    ({ web, browser, page } = await startWithPage(["--watch", "--port", "0", entry]));
  }, 180_000);
  afterAll(async () => {
    await stopWithPage(web, browser);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a saved edit rebuilds the image and reboots the page into it", async () => {
    if (!browser) return;
    expect(await hook<string>(page, "text()")).toMatch(/^watch test v1$/m);
    const version = (await hook<{ version: number }>(page, "build()")).version;
    const t0 = Date.now();
    fs.writeFileSync(entry, source("watch test v2"));
    await until(page, `/^watch test v2$/m.test(window.kt.text()) && window.kt.prompted()`);
    console.log(`kt web --watch: edit to the rebuilt kernel's prompt ${Date.now() - t0} ms`);
    // Greater, not one more: an edit under kernel-ts/ meanwhile would rebuild too.
    expect(await hook<{ version: number }>(page, "build()")).toMatchObject({ version: expect.any(Number), error: "" });
    expect((await hook<{ version: number }>(page, "build()")).version).toBeGreaterThan(version);
    expect(web!.stderr()).toMatch(/^kt web: built .*main\.ts in \d+ ms \(build \d+\); the page reboots$/m);
  });

  it("a build error shows in the page and on kt web's terminal; the old kernel keeps running", async () => {
    if (!browser) return;
    fs.writeFileSync(entry, source("watch test v3").replace("kernelMain();", "kernelMain(;"));
    await until(page, `!document.getElementById("build-error").hidden`);
    const banner = await page.textContent("#build-error");
    expect(banner).toMatch(/^build error: \S*main\.ts:3:\d+: error: TS\d+: .+ \(still running build \d+\)$/);
    expect(web!.stderr()).toMatch(/^kt web: build error: \S*main\.ts:3:\d+: error: .+ \(the page keeps the previous kernel\)$/m);
    expect(await command(page, "uptime")).toMatch(/^uptime: \d+\.\d\d s \(\d+ ticks\)$/);
    fs.writeFileSync(entry, source("watch test v3"));
    await until(page, `/^watch test v3$/m.test(window.kt.text()) && window.kt.prompted()`);
    expect(await page.isHidden("#build-error")).toBe(true);
  });
});

describe("kt web › --watch, an entry in the repository's root", () => {
  it("one edit is one rebuild: the server's own generated files under node_modules/ start none", async () => {
    const entry = path.join(REPO_ROOT, `kt-web-watch-${process.pid}.ts`);
    const source = (n: number) => `import { kmain as kernelMain } from "./kernel-ts/main";\nexport function kmain(): void { kernelMain(); } // ${n}\n`;
    fs.writeFileSync(entry, source(1));
    let web: KtWeb | undefined;
    try {
      web = await startKtWeb(["--watch", "--port", "0", entry]);
      expect(web.stderr()).toMatch(/^kt web: watching kernel-ts and \. for changes$/m);
      fs.writeFileSync(entry, source(2));
      const builds = () => web!.stderr().match(/^kt web: built .*$/gm) ?? [];
      for (const t0 = Date.now(); builds().length < 1 && Date.now() - t0 < WAIT_MS;) await new Promise((r) => setTimeout(r, 100));
      expect(builds()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 4000)); // a loop would have rebuilt several times by now (a build takes about 1 s)
      expect(builds()).toHaveLength(1);
    } finally {
      if (web) expect(await web.stop()).toBe(0);
      fs.rmSync(entry, { force: true });
    }
  }, 120_000);
});

describe("kt web › usage", () => {
  it("bad flags get one line and exit code 2", () => {
    for (const [args, msg] of [
      [["--port", "abc"], /^kt web: --port takes a whole number, not 'abc'\n$/],
      [["--port", "70000"], /^kt web: --port takes 1 to 65535, or 0 for any free port, not 70000\n$/],
      [["--bogus"], /^kt web: unknown option --bogus \(see kt web --help\)\n$/],
      [["--watch=yes"], /^kt web: --watch takes no value\n$/],
      [["a.ts", "b.ts"], /^kt web: one entry file at a time \(got 2\)\n$/],
      [["kernel.elf"], /^kt web: kernel\.elf: expected a \.ts entry file\n$/],
    ] as [string[], RegExp][]) {
      const r = kt(["web", ...args]);
      expect(r.stderr, args.join(" ")).toMatch(msg);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
    }
  });

  it("an entry that does not build gets its one error line and exit code 2", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-web-bad-"));
    try {
      fs.writeFileSync(path.join(dir, "main.ts"), "export function kmain(): void { let x: i32 = ; }\n");
      const r = kt(["web", "--port", "0", path.join(dir, "main.ts")]);
      expect(r.stderr).toMatch(/^\S*main\.ts:1:\d+: error: TS\d+: .+\n$/);
      expect(r.code).toBe(2);
      expect(kt(["web", path.join(dir, "missing.ts")]).stderr).toBe(`${path.join(dir, "missing.ts")}: no such file\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--help shows the options", () => {
    const r = kt(["web", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: kt web \[entry\.ts\] \[--port N\] \[--watch\]/);
    expect(r.stdout).toMatch(/^ {2}--port N +TCP port/m);
  });

  it("a port in use gets one line and exit code 2", async () => {
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = kt(["web", "--port", String(port)]);
      expect(r.stderr).toBe(`kt web: port ${port} is in use (try --port 0 for any free port)\n`);
      expect(r.code).toBe(2);
    } finally {
      server.close();
    }
  });
});
