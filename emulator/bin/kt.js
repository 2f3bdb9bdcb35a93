#!/usr/bin/env node
// The `kt` command. The host code is TypeScript; this shim bundles emulator/cli.ts with esbuild
// (split, so the emulator and assembler load only when a command needs them) into
// node_modules/.cache/kt/<key>/, where the key names the state of the host sources, so a change
// rebuilds (about 0.1 s) and concurrent kt processes never see a half-written bundle. The bundle
// then runs under plain Node — no loader hooks, so asc and v86 load at full speed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cache = path.join(root, "node_modules/.cache/kt");

function sourceKey(dirs) {
  let newest = 0, count = 0, size = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) { const st = fs.statSync(p); newest = Math.max(newest, st.mtimeMs); count++; size += st.size; }
    }
  };
  for (const d of dirs) walk(path.join(root, d));
  return `cli-${Math.floor(newest).toString(36)}-${count}-${size.toString(36)}`;
}

const key = sourceKey(["toolchain", "emulator", "boot"]);
const outdir = path.join(cache, key);
if (!fs.existsSync(path.join(outdir, "cli.js"))) {
  const esbuild = await import("esbuild");
  const tmp = `${outdir}.tmp-${process.pid}`;
  await esbuild.build({
    entryPoints: [path.join(root, "emulator/cli.ts")],
    bundle: true, platform: "node", format: "esm", target: "node20",
    packages: "external", outdir: tmp, splitting: true, sourcemap: "inline", logLevel: "error",
  });
  try { fs.renameSync(tmp, outdir); } catch { fs.rmSync(tmp, { recursive: true, force: true }); } // another kt won the race
  // Prune bundles of older sources (best effort) once they are an hour old: a kt still running
  // from one may yet load its lazy chunks.
  for (const old of fs.readdirSync(cache)) {
    const dir = path.join(cache, old);
    if (!old.startsWith("cli-") || old === key) continue;
    try { if (Date.now() - fs.statSync(dir).mtimeMs > 3600_000) fs.rmSync(dir, { recursive: true, force: true }); } catch { /* gone already */ }
  }
}
const { main } = await import(pathToFileURL(path.join(outdir, "cli.js")).href);
process.exitCode = await main(process.argv.slice(2));
