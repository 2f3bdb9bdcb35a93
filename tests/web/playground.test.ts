// The playground (issue I) on the static site of kt web --out, served by a plain static server:
// edit the shell's greeting, Build & boot in the page, see the new greeting; a syntax error is
// shown at its line while the running kernel keeps answering; a reload keeps the edit; Reset
// restores the source. The editor and the compiler load only when the playground opens.
import { describe, it, expect, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { chromiumChecks, launchChromium } from "../lib/browser.ts";
import { kt } from "../lib/kt.ts";
import { staticServer } from "../lib/static-server.ts";

const WAIT_MS = 90_000;
let browser: Browser | undefined;
let server: Awaited<ReturnType<typeof staticServer>> | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-playground-test-"));
afterAll(async () => { await browser?.close(); await server?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

const pg = <T>(page: Page, expr: string) => page.evaluate(`window.kt.playground()${expr}`) as Promise<T>;

/** Types `line` into the terminal; resolves with the output up to the next prompt. */
async function command(page: Page, line: string): Promise<string> {
  const from = ((await page.evaluate("window.kt.text()")) as string).length;
  await page.click("#terminal");
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
  await page.waitForFunction(`window.kt.text().slice(${from}).includes("\\nkt> ")`, undefined, { timeout: WAIT_MS });
  const text = (await page.evaluate("window.kt.text()")) as string;
  return text.slice(from).split("\n").slice(1, -1).join("\n");
}

describe("the playground", () => {
  it("edits the kernel, builds it in the page and boots it; errors at their line; edits persist; Reset", async () => {
    if (!chromiumChecks("the playground")) return;
    expect(kt(["web", "--out", dir]).code).toBe(0);
    server = await staticServer(dir, "/play/");
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction("window.kt?.prompted() === true", undefined, { timeout: WAIT_MS });
    // Nothing of the playground before it opens.
    expect(server.requests.filter((r) => /playground|kernel-sources/.test(r))).toEqual([]);
    await page.click("#playground-toggle");
    await page.waitForFunction("window.kt.playground() !== undefined", undefined, { timeout: WAIT_MS });
    expect(await pg<string>(page, ".file")).toBe("shell/shell.ts");

    // A new greeting, built and booted in the page.
    expect(await pg<boolean>(page, `.edit("shell/shell.ts", "kernel-ts shell: type help", "hello from the playground: type help")`)).toBe(true);
    // (The compiler starts loading as the playground opens; a user's edit takes longer than that.)
    const tOpen = Date.now();
    await page.waitForFunction("window.kt.playground().ready", undefined, { timeout: WAIT_MS });
    const loadMs = Date.now() - tOpen;
    const t0 = Date.now();
    await page.click("#pg-build");
    await page.waitForFunction("window.kt.playground().building === false && (window.kt.playground().builds > 0 || window.kt.playground().errors.length > 0)", undefined, { timeout: WAIT_MS })
      .catch(() => {});
    expect(await pg<unknown>(page, ".errors"), await pg<string>(page, ".status")).toEqual([]);
    await page.waitForFunction("/hello from the playground: type help\\nkt> $/.test(window.kt.text())", undefined, { timeout: WAIT_MS });
    const editToPrompt = Date.now() - t0;
    expect(await pg<number>(page, ".builds")).toBe(1);
    expect(await command(page, "heap")).toMatch(/^balloc: /);
    // Again, the compiler loaded: what an edit costs from now on.
    expect(await pg<boolean>(page, `.edit("shell/shell.ts", "hello from the playground", "hello again")`)).toBe(true);
    const t1 = Date.now();
    await page.click("#pg-build");
    await page.waitForFunction("/hello again: type help\\nkt> $/.test(window.kt.text())", undefined, { timeout: WAIT_MS });
    const againToPrompt = Date.now() - t1;
    expect(await pg<boolean>(page, `.edit("shell/shell.ts", "hello again", "hello from the playground")`)).toBe(true);

    // A syntax error: shown at its line in the editor and listed; the running kernel keeps answering.
    expect(await pg<boolean>(page, `.edit("shell/shell.ts", "function uptime(): void {", "function uptime(): void {{{ )")`)).toBe(true);
    await page.click("#pg-build");
    await page.waitForFunction("window.kt.playground().errors.length > 0", undefined, { timeout: WAIT_MS });
    const errs = await pg<{ file: string; line: number }[]>(page, ".errors");
    expect(errs[0]).toMatchObject({ file: "shell/shell.ts", line: 188 });
    expect(await page.isVisible("#pg-errors")).toBe(true);
    expect(await page.textContent("#pg-errors")).toMatch(/^shell\/shell.ts:188:\d+: /);
    await page.waitForSelector("#pg-editor .cm-lintRange-error", { timeout: 5000 }); // underlined in the editor
    expect(await pg<string>(page, ".status")).toMatch(/^build failed at shell\/shell.ts:188: the running kernel stays$/);
    expect(await command(page, "uptime")).toMatch(/^uptime: /);

    // Download saves the file shown, as edited.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#pg-download")]);
    expect(download.suggestedFilename()).toBe("shell.ts");
    expect(fs.readFileSync(await download.path(), "utf8")).toContain("function uptime(): void {{{ )");

    // A reload keeps the edits (localStorage); Reset restores the shipped source.
    await page.reload();
    await page.waitForFunction("window.kt?.prompted() === true", undefined, { timeout: WAIT_MS });
    await page.click("#playground-toggle");
    await page.waitForFunction("window.kt.playground() !== undefined", undefined, { timeout: WAIT_MS });
    expect(await pg<string[]>(page, ".edited")).toEqual(["shell/shell.ts"]);
    expect(await pg<string>(page, `.text("shell/shell.ts")`)).toContain("hello from the playground: type help");
    await page.click("#pg-reset");
    expect(await pg<string[]>(page, ".edited")).toEqual([]);
    expect(await pg<string>(page, `.text("shell/shell.ts")`)).toBe(fs.readFileSync("kernel-ts/shell/shell.ts", "utf8"));
    expect(errors).toEqual([]);
    console.log(`playground: the compiler loads in ${loadMs} ms after the playground opens; edit → the new kernel's prompt ${editToPrompt} ms, then ${againToPrompt} ms`);
  }, 300_000);
});
