// The page's debug panel (issue H, kt web --debug) in Debian's Chromium: set a breakpoint by
// clicking a line number, hit it from the terminal, read the backtrace and a local, step, go on.
import { describe, it, expect, afterAll } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumChecks, launchChromium, startKtWeb, type KtWeb } from "../lib/browser.ts";

const WAIT_MS = 60_000;
let web: KtWeb | undefined, browser: Browser | undefined;
afterAll(async () => { await browser?.close(); await web?.stop(); });

const view = (page: Page) => page.evaluate("window.kt.debug()") as Promise<{ state: string; reason?: string; selected: number; frames: { name: string; line: number }[]; locals: { name: string; value: string }[]; file: string; breakpoints: Record<string, number[]> }>;

describe("kt web --debug: the debug panel", () => {
  it("a breakpoint set by clicking a line is hit from the shell; the panel shows the line, the backtrace and the locals; step and continue", async () => {
    if (!chromiumChecks("the debug panel")) return;
    web = await startKtWeb(["--debug", "--port", "0"]);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(web.url);
    await page.waitForFunction("window.kt?.prompted() === true", undefined, { timeout: WAIT_MS }).catch((e: Error) => { throw new Error(`${e.message}; page errors: ${errors.join("; ") || "none"}`); });
    expect(await page.isVisible("#debug")).toBe(true);
    expect((await view(page)).state).toBe("running");
    // shell.ts, line 189: uptime's first line.
    await page.selectOption("#dbg-file", "shell/shell.ts");
    await page.click('#dbg-source li[data-line="189"] .ln');
    expect((await view(page)).breakpoints["shell/shell.ts"]).toEqual([189]);
    expect(await page.getAttribute('#dbg-source li[data-line="189"]', "class")).toContain("bp");
    await page.click("#terminal");
    await page.keyboard.type("uptime");
    await page.keyboard.press("Enter");
    await page.waitForFunction("window.kt.debug().state === 'stopped'", undefined, { timeout: WAIT_MS });
    const v = await view(page);
    expect(v.reason).toBe("breakpoint");
    expect(v.frames.slice(0, 2).map((f) => `${f.name}:${f.line}`)).toEqual(["uptime:189", "run:61"]);
    expect(await page.getAttribute('#dbg-source li[data-line="189"]', "class")).toContain("current");
    expect(v.locals.map((l) => `${l.name} = ${l.value}`)).toEqual(["t = 0 (0x0)"]); // past the prologue that zeroes it
    expect(await page.textContent("#dbg-state")).toBe("stopped (breakpoint)");
    if (process.env.KT_SHOT) await page.screenshot({ path: process.env.KT_SHOT });
    // The caller's locals: click its frame.
    await page.click('#dbg-frames li[data-index="1"]');
    const caller = await view(page);
    expect(caller.selected).toBe(1);
    expect(caller.locals.map((l) => l.name)).toContain("n");
    expect(caller.locals.find((l) => l.name === "n")!.value).toBe("1 (0x1)");
    expect(await page.textContent("#dbg-locals")).toContain("n1 (0x1)");
    // Step over uptime's first line: t is set.
    await page.click("#dbg-next");
    await page.waitForFunction("window.kt.debug().state === 'stopped'", undefined, { timeout: WAIT_MS });
    const stepped = await view(page);
    expect(stepped.frames[0]).toMatchObject({ name: "uptime", line: 190 });
    expect(stepped.locals.map((l) => l.name)).toEqual(["t"]);
    // Remove the breakpoint by clicking it again, and go on: the shell answers.
    await page.click('#dbg-source li[data-line="189"] .ln');
    expect((await view(page)).breakpoints["shell/shell.ts"]).toEqual([]);
    await page.click("#dbg-continue");
    await page.waitForFunction("/uptime: \\d+\\.\\d+ s/.test(window.kt.text())", undefined, { timeout: WAIT_MS });
    expect((await view(page)).state).toBe("running");
    expect(errors).toEqual([]);
  }, 240_000);
});
