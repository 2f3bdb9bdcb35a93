#!/usr/bin/env node
// The `kt` command. The host code is TypeScript; this shim bundles emulator/cli.ts with esbuild
// into node_modules/.cache/kt/ whenever a host source is newer than the bundle (about 0.1 s),
// then runs it with plain Node — no loader hooks, so asc and v86 load at full speed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const out = path.join(root, "node_modules/.cache/kt/cli.mjs");

function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) walk(path.join(root, d));
  return newest;
}

let built = 0;
try { built = fs.statSync(out).mtimeMs; } catch { /* not built yet */ }
if (built < newestSource(["toolchain", "emulator", "boot"])) {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [path.join(root, "emulator/cli.ts")],
    bundle: true, platform: "node", format: "esm", target: "node20",
    packages: "external", outfile: out, sourcemap: "inline", logLevel: "error",
  });
}
const { main } = await import(pathToFileURL(out).href);
process.exitCode = await main(process.argv.slice(2));
