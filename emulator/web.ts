// `kt web`: the browser page of emulator/web/ (a terminal on the guest's COM1, its boot progress and a live
// heap map) served on 127.0.0.1 by esbuild's own server. Units: bytes, milliseconds, TCP ports.
//
// The serve directory, node_modules/.cache/kt/web/<pid>/www, holds what is not bundled:
//
//   index.html   copied from emulator/web/
//   v86.wasm     copied from the v86 package (the page compiles it once and passes it to Machine)
//   kernel.elf   the kernel image, built like `kt boot` builds it (emulator/image-cache.ts)
//
// and esbuild serves its outputs beside them: main.js (emulator/web/main.ts), style.css (emulator/web/style.css,
// xterm's CSS included) and build.js, the one generated module, built from gen/build.ts:
//
//   export const build = { version: 3, error: "", entry: "kernel-ts/main.ts", buildMs: 812 };
//
// --watch: a saved .ts file under kernel-ts/ or the entry's folder rebuilds the image (debounced).
// On success kernel.elf is replaced and `version` goes up; on a build error the old kernel.elf stays
// and `error` holds the one-line message. Either way gen/build.ts is rewritten and the bundle
// rebuilt, so esbuild's live-reload stream (EventSource /esbuild) sends the page a "change" event
// naming /build.js; the page imports build.js again and reboots into the new image, or shows the
// error and keeps the old kernel running (emulator/web/main.ts). The page's own sources (emulator/web/) are bundled
// once, at start.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { KtError } from "../toolchain/errors.ts";
import { REPO_ROOT } from "../toolchain/asc.ts";
import { entryImage } from "./image-cache.ts";
import { v86WasmPath } from "./v86-node.ts";

export interface WebOptions {
  /** The kernel's entry file (.ts). */
  entry: string;
  /** TCP port on 127.0.0.1; 0 for any free one. */
  port: number;
  /** Rebuild and reboot the page when a source under kernel-ts/ or the entry's folder changes. */
  watch: boolean;
  /** asc -O level (default 3; with debug, 0). */
  optimizeLevel?: number;
  /** Serve a debug image (docs/debugging.md): the page shows its debug panel. */
  debug?: boolean;
  /** One line of progress for the terminal running kt web. */
  log(line: string): void;
}

export interface WebServer {
  /** The page's address, e.g. http://127.0.0.1:8086/ */
  url: string;
  /** Stops watching and serving and removes the serve directory. */
  close(): Promise<void>;
}

/**
 * What the page learns from build.js: the image's build number and the last build's error;
 * `live`: served by kt web (rebuilds come through esbuild's live-reload stream), not a static site.
 */
export interface BuildInfo { version: number; error: string; entry: string; buildMs: number; live?: boolean }

const CACHE = path.join(REPO_ROOT, "node_modules/.cache/kt/web");
const WEB = path.join(REPO_ROOT, "emulator/web");
/** Editors save in bursts (write, rename, chmod): one rebuild per burst. */
const DEBOUNCE_MS = 60;

/**
 * Builds the image and the page and serves them until close(). Throws a KtError (one line) when
 * the first build fails or the port is taken.
 */
export async function serveWeb(o: WebOptions): Promise<WebServer> {
  const { root, www, gen } = makeDirs();
  const rel = path.relative(REPO_ROOT, path.resolve(o.entry));
  const entry = rel.startsWith("..") ? path.resolve(o.entry) : rel; // as the page names it
  const info: BuildInfo = { version: 0, error: "", entry, buildMs: 0, live: true };
  let ctx: esbuild.BuildContext | undefined;
  try {
    await buildKernel(o, www, info);
    if (info.error) throw new KtError(info.error);
    await writePageAssets(www, false);
    writeBuildModule(gen, info);
    ctx = await pageContext(www, gen);
    await bundle(ctx);
    const served = await serve(ctx, www, o.port);
    const url = `http://127.0.0.1:${served.port}/`;
    const watcher = o.watch ? watchKernel(o, www, gen, info, ctx) : undefined;
    return {
      url,
      async close() {
        await watcher?.close();
        await ctx!.dispose();
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await ctx?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
    throw e;
  }
}

export interface StaticSiteOptions {
  entry: string;
  /** The folder to write (created; files of an earlier site in it are replaced). */
  out: string;
  optimizeLevel?: number;
  debug?: boolean;
}

/**
 * `kt web --out DIR`: the page as a static site — index.html, main.js, style.css, build.js,
 * v86.wasm, kernel.elf and the playground's files, every URL relative, so any static file server serves it, under a
 * sub-path too. Returns its files and their total size. Throws the build's one-line KtError.
 */
export async function writeStaticSite(o: StaticSiteOptions): Promise<{ files: { name: string; bytes: number }[]; bytes: number }> {
  const rel = path.relative(REPO_ROOT, path.resolve(o.entry));
  const entry = rel.startsWith("..") ? path.basename(o.entry) : rel;
  const t0 = performance.now();
  const elf = o.debug ? await (await import("./debug/target.ts")).debugEntryImage(o.entry, o.optimizeLevel ?? 0) : await entryImage(o.entry, o.optimizeLevel);
  const info: BuildInfo = { version: 1, error: "", entry, buildMs: Math.round(performance.now() - t0), live: false };
  try { fs.mkdirSync(o.out, { recursive: true }); fs.accessSync(o.out, fs.constants.W_OK); } catch (e) {
    throw new KtError(`kt web: --out ${o.out}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const gen = fs.mkdtempSync(path.join(os.tmpdir(), "kt-site-"));
  try {
    writeBuildModule(gen, info);
    try {
      await esbuild.build({ ...PAGE_BUNDLE, entryPoints: pageEntries(gen), minify: true, outdir: o.out, plugins: [browserOnly] });
    } catch (e) {
      throw buildFailure(e, "the page");
    }
  } finally { fs.rmSync(gen, { recursive: true, force: true }); }
  await writePageAssets(o.out, true);
  fs.writeFileSync(path.join(o.out, "kernel.elf"), elf);
  const names = ["index.html", "main.js", "style.css", "build.js", "v86.wasm", "kernel.elf", "playground.js", "playground-worker.js", "kernel-sources.json"];
  const files = names.map((name) => ({ name, bytes: fs.statSync(path.join(o.out, name)).size }));
  return { files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
}

/** A fresh serve directory for this process; those of kt web processes no longer running are removed. */
function makeDirs(): { root: string; www: string; gen: string } {
  fs.mkdirSync(CACHE, { recursive: true });
  for (const name of fs.readdirSync(CACHE)) {
    if (/^\d+$/.test(name) && !alive(Number(name))) fs.rmSync(path.join(CACHE, name), { recursive: true, force: true });
  }
  const root = path.join(CACHE, String(process.pid));
  fs.rmSync(root, { recursive: true, force: true });
  const www = path.join(root, "www"), gen = path.join(root, "gen");
  fs.mkdirSync(www, { recursive: true });
  fs.mkdirSync(gen, { recursive: true });
  return { root, www, gen };
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

/**
 * Builds the kernel image into www/kernel.elf (atomically: the page may be fetching the old one).
 * On success bumps info.version and clears info.error; on a build error sets info.error and
 * leaves the old image in place. Never throws for a build error.
 */
async function buildKernel(o: WebOptions, www: string, info: BuildInfo): Promise<void> {
  const t0 = performance.now();
  let elf: Uint8Array;
  try {
    elf = o.debug ? await (await import("./debug/target.ts")).debugEntryImage(o.entry, o.optimizeLevel ?? 0) : await entryImage(o.entry, o.optimizeLevel);
  } catch (e) {
    if (!(e instanceof KtError)) throw e;
    info.error = e.message.split("\n")[0];
    return;
  }
  const file = path.join(www, "kernel.elf"), tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, elf);
  fs.renameSync(tmp, file);
  info.version++;
  info.error = "";
  info.buildMs = Math.round(performance.now() - t0);
}

/** gen/build.ts: the page's view of the last build (see the header). */
function writeBuildModule(gen: string, info: BuildInfo): void {
  fs.writeFileSync(path.join(gen, "build.ts"), `// Generated by kt web (emulator/web.ts): the last kernel build.\nexport const build = ${JSON.stringify(info)};\n`);
}

/**
 * The page's bundles: main.js (the page), style.css, build.js (gen/build.ts), and those loaded only
 * when the playground opens: playground.js (the editor) and playground-worker.js (the compiler,
 * translator and linker, in a Web Worker).
 */
const pageEntries = (gen: string) => [
  { in: path.join(WEB, "main.ts"), out: "main" },
  { in: path.join(WEB, "style.css"), out: "style" },
  { in: path.join(gen, "build.ts"), out: "build" },
];
const playgroundEntries = [
  { in: path.join(WEB, "playground.ts"), out: "playground" },
  { in: path.join(WEB, "playground-worker.ts"), out: "playground-worker" },
];

/** What every bundle of the page is built as. */
const PAGE_BUNDLE = { bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "silent" } as const;

/** esbuild's failure as a one-line KtError: its first error, where it is. */
function buildFailure(e: unknown, what: string): KtError {
  const first = (e as esbuild.BuildFailure).errors?.[0];
  const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
  return new KtError(`kt web: ${what} does not build: ${where}${first?.text ?? (e as Error).message}`);
}

/**
 * What the page needs besides its own bundles and the kernel: index.html, v86's wasm, the
 * kernel's sources and the playground's bundles (both loaded only when the playground opens).
 */
async function writePageAssets(dir: string, minify: boolean): Promise<void> {
  fs.copyFileSync(path.join(WEB, "index.html"), path.join(dir, "index.html"));
  fs.copyFileSync(v86WasmPath(), path.join(dir, "v86.wasm"));
  writeKernelSources(dir);
  await bundlePlayground(dir, minify);
}

/** The playground's bundles (they do not change with the kernel: built once, not on every rebuild). */
async function bundlePlayground(outdir: string, minify: boolean): Promise<void> {
  try {
    await esbuild.build({ ...PAGE_BUNDLE, entryPoints: playgroundEntries, minify, outdir, plugins: [browserOnly, icedInBrowser, nodeStubs] });
  } catch (e) {
    throw buildFailure(e, "the playground");
  }
}

/** The esbuild context of the page: its bundles (pageEntries) into www/. */
function pageContext(www: string, gen: string): Promise<esbuild.BuildContext> {
  return esbuild.context({ ...PAGE_BUNDLE, entryPoints: pageEntries(gen), outdir: www, sourcemap: "linked", plugins: [browserOnly] });
}

/** The kernel's sources for the playground: every .ts under kernel-ts/, and the entry it builds. */
function writeKernelSources(dir: string): void {
  const files: Record<string, string> = {};
  const root = path.join(REPO_ROOT, "kernel-ts");
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) files[path.relative(root, p).split(path.sep).join("/")] = fs.readFileSync(p, "utf8");
    }
  };
  walk(root);
  fs.writeFileSync(path.join(dir, "kernel-sources.json"), JSON.stringify({ entry: "main.ts", files }));
}

/**
 * iced-x86 (the image linker's assembler) as a browser module: its package is built for Node
 * (the wasm read with fs, TextDecoder from util); the wasm goes into the bundle instead.
 */
const icedInBrowser: esbuild.Plugin = {
  name: "iced-in-browser",
  setup(b) {
    b.onLoad({ filter: /[\\/]iced-x86[\\/]iced_x86\.js$/ }, (a) => {
      const wasm = fs.readFileSync(path.join(path.dirname(a.path), "iced_x86_bg.wasm")).toString("base64");
      const src = fs.readFileSync(a.path, "utf8")
        .replace("const { TextDecoder, TextEncoder } = require(`util`);", "const { TextDecoder, TextEncoder } = globalThis;")
        .replace("const path = require('path').join(__dirname, 'iced_x86_bg.wasm');\nconst bytes = require('fs').readFileSync(path);",
          `const bytes = Uint8Array.from(atob("${wasm}"), (c) => c.charCodeAt(0));`);
      if (src.includes("require('fs')") || src.includes("require(`util`)")) throw new Error("iced-x86's loader is not the one kt web knows how to bundle");
      return { contents: src, loader: "js" };
    });
  },
};

/**
 * Node modules that AssemblyScript's compiler and binaryen name on their Node-only paths (never
 * taken in a worker): empty stubs in the playground's bundles.
 */
const nodeStubs: esbuild.Plugin = {
  name: "node-stubs",
  setup(b) {
    b.onResolve({ filter: /^(node:)?(fs|fs\/promises|path|url|module|os|process|crypto|util|child_process|worker_threads)$/ }, (a) =>
      a.importer.includes(`${path.sep}node_modules${path.sep}assemblyscript${path.sep}`) || a.importer.includes(`${path.sep}node_modules${path.sep}binaryen${path.sep}`)
        ? { path: a.path, namespace: "node-stub" } : undefined);
    // boot/image.ts's buildImage (Node: it compiles files) is never called in the page.
    b.onResolve({ filter: /[\\/]toolchain[\\/]build\.ts$/ }, (a) => (a.importer.endsWith(`${path.sep}boot${path.sep}image.ts`) ? { path: a.path, namespace: "node-stub" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "node-stub" }, () => ({
      contents: "export default {}; export const promises = {}; export function fileURLToPath() { return ''; } export function pathToFileURL() { return ''; } export function createRequire() { return () => ({}); } export function buildProgram() { throw new Error('buildProgram: Node only'); }",
      loader: "js",
    }));
  },
};

/**
 * Keeps Node out of the page. emulator/machine.ts reaches emulator/v86-node.ts only when no wasm
 * is passed (the page always passes it), and v86's own Node branches (require("fs"),
 * import("node:fs/promises"), …) never run in a browser: both resolve to stubs. Any other Node
 * module imported by the page fails the build, as esbuild does for platform "browser".
 */
const browserOnly: esbuild.Plugin = {
  name: "browser-only",
  setup(b) {
    b.onResolve({ filter: /[\\/]v86-node\.ts$/ }, () => ({ path: "v86-node", namespace: "stub" }));
    b.onResolve({ filter: /^(node:)?(fs|fs\/promises|crypto|perf_hooks)$/ }, (a) =>
      a.importer.includes(`${path.sep}node_modules${path.sep}v86${path.sep}`) ? { path: a.path, namespace: "stub" } : undefined);
    b.onLoad({ filter: /.*/, namespace: "stub" }, (a) => ({
      contents: a.path === "v86-node"
        ? `export function nodeV86Wasm() { throw new Error("v86-node: Node only; pass Machine.boot a wasm in the browser"); }`
        : "export default {};",
      loader: "js",
    }));
  },
};

/** Rebuilds the page bundle; a bundling error becomes a one-line KtError. */
async function bundle(ctx: esbuild.BuildContext): Promise<void> {
  try {
    await ctx.rebuild();
  } catch (e) {
    throw buildFailure(e, "the page");
  }
}

async function serve(ctx: esbuild.BuildContext, www: string, port: number): Promise<esbuild.ServeResult> {
  try {
    return await ctx.serve({ host: "127.0.0.1", port, servedir: www });
  } catch (e) {
    const msg = (e as Error).message;
    if (/address already in use/.test(msg)) throw new KtError(`kt web: port ${port} is in use (try --port 0 for any free port)`);
    throw new KtError(`kt web: cannot serve on 127.0.0.1:${port}: ${msg.split("\n")[0]}`);
  }
}

/**
 * --watch: rebuilds the image after a burst of .ts changes under kernel-ts/ and the entry's folder,
 * one build at a time (changes during a build start one more), then tells the page (see the header).
 */
function watchKernel(o: WebOptions, www: string, gen: string, info: BuildInfo, ctx: esbuild.BuildContext): { close(): Promise<void> } {
  // kernel-ts/ and the entry's folder, recursively, unless that folder holds the repository (the
  // repository's root, or a home folder above it): then only the folder's own files, or every
  // build's gen/build.ts under node_modules/ would start the next build.
  const entryDir = path.dirname(path.resolve(o.entry));
  const holdsRepo = REPO_ROOT === entryDir || REPO_ROOT.startsWith(entryDir + path.sep);
  const roots = [...new Set([path.join(REPO_ROOT, "kernel-ts"), entryDir])]
    .filter((r, _, all) => holdsRepo || !all.some((other) => other !== r && r.startsWith(other + path.sep)));
  let timer: ReturnType<typeof setTimeout> | undefined, building = false, again = false, closing = false;
  let current: Promise<void> = Promise.resolve();
  const rebuild = () => {
    if (building) { again = true; return; }
    if (closing) return;
    building = true;
    current = (async () => {
      try {
        do {
          again = false;
          await buildKernel(o, www, info);
          o.log(info.error ? `kt web: build error: ${info.error} (the page keeps the previous kernel)`
            : `kt web: built ${info.entry} in ${info.buildMs} ms (build ${info.version}); the page reboots`);
          writeBuildModule(gen, info);
          await bundle(ctx);
        } while (again && !closing);
      } catch (e) {
        const line = (e as Error).message.split("\n")[0];
        if (!closing) o.log(line.startsWith("kt web:") ? line : `kt web: ${line}`);
      } finally {
        building = false;
      }
    })();
  };
  const changed = (_event: string, file: string | Buffer | null) => {
    if (file !== null && !String(file).endsWith(".ts")) return; // editor swap and backup files
    clearTimeout(timer);
    timer = setTimeout(rebuild, DEBOUNCE_MS);
  };
  const watchers = roots.map((r) => fs.watch(r, { recursive: !(holdsRepo && r === entryDir) }, changed)
    .on("error", (e) => o.log(`kt web: watching ${r} failed: ${e.message}`)));
  o.log(`kt web: watching ${roots.map((r) => path.relative(process.cwd(), r) || ".").join(" and ")} for changes`);
  return {
    /** Stops watching; resolves once a build under way has ended (it writes into the serve directory). */
    async close() {
      closing = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await current;
    },
  };
}
