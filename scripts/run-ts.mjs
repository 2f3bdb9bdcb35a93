#!/usr/bin/env node
// Runs a host TypeScript file (bundled with esbuild, no loader hooks): node scripts/run-ts.mjs FILE.ts [args]
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const [entry, ...args] = process.argv.slice(2);
if (!entry) { console.error("usage: node scripts/run-ts.mjs FILE.ts [args]"); process.exit(2); }
const out = path.resolve("node_modules/.cache/kt", path.basename(entry, ".ts") + ".mjs");
await esbuild.build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20",
  packages: "external", outfile: out, logLevel: "error" });
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(out).href);
