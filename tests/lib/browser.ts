// Browser tests' helpers: the system's Chromium driven by playwright-core (no browser is ever
// downloaded), and `kt web` started as a user starts it. Units: milliseconds.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { REPO_ROOT } from "../../toolchain/asc.ts";
import { toolChecks } from "./tools.ts";

export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

/**
 * Whether to run browser checks: true when /usr/bin/chromium exists; in CI its absence is an
 * error (.ci/run installs it), elsewhere the checks are left out with the reason printed once.
 */
export function chromiumChecks(suite: string): boolean {
  return toolChecks(suite, { name: CHROMIUM, present: fs.existsSync(CHROMIUM), install: "apt-get install chromium", checks: "browser checks" });
}

/** A headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A running `kt web`: its page's address, what it wrote to stderr so far, and how to stop it. */
export interface KtWeb { url: string; stderr(): string; stop(): Promise<number | null> }

/**
 * Runs `kt web ...args` (emulator/bin/kt.js, as `npm run web` does) and resolves once it printed
 * its address; rejects with its stderr if it exits first or prints none within `timeoutMs`.
 */
export function startKtWeb(args: string[], timeoutMs = 120_000): Promise<KtWeb> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "emulator/bin/kt.js"), "web", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill); // never leave a server behind
  let out = "", err = "";
  child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => { process.off("exit", kill); resolve(code); }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { kill(); reject(new Error(`kt web printed no address within ${timeoutMs} ms; stderr:\n${err}`)); }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[0],
        stderr: () => err,
        async stop() { child.kill("SIGTERM"); return exited; },
      });
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`kt web exited (code ${code}) before printing its address; stderr:\n${err}`)); });
  });
}
