// Built kernel images kept between `kt boot` runs: an image of an entry under kernel-ts/ is
// reused while no source it could depend on has changed (every .ts file under kernel-ts/,
// toolchain/ and boot/, and package-lock.json: names, sizes, modification times), so `npm start`
// builds only after an edit. Entries elsewhere are always built. Units: files.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../toolchain/asc.ts";

const DIR = path.join(REPO_ROOT, "node_modules/.cache/kt/images");
const KEEP = 8;

function sourcesState(): string {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) { const st = fs.statSync(p); lines.push(`${p} ${st.size} ${st.mtimeMs}`); }
    }
  };
  for (const d of ["kernel-ts", "toolchain", "boot"]) walk(path.join(REPO_ROOT, d));
  const lock = path.join(REPO_ROOT, "package-lock.json");
  if (fs.existsSync(lock)) lines.push(`${lock} ${fs.statSync(lock).mtimeMs}`);
  return lines.join("\n");
}

/**
 * The bootable Multiboot image of the kernel-ts entry file `entry` (asc -O `optimizeLevel`,
 * default 3), from the cache when its sources are unchanged. Shared by `kt boot` and `kt web`.
 * Throws the build's one-line KtError on a compile or link error.
 */
export async function entryImage(entry: string, optimizeLevel?: number, jit: "off" | "lazy" | "eager" = "lazy"): Promise<Uint8Array> {
  return cachedImage(entry, `-O ${optimizeLevel ?? 3} --jit ${jit}`, async () => (await (await import("../boot/image.ts")).buildImage(entry, { optimizeLevel, jit })).elf);
}

/** The image of `entry` built with `options`, from the cache when its sources are unchanged. */
export async function cachedImage(entry: string, options: string, build: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const abs = path.resolve(entry);
  if (!abs.startsWith(path.join(REPO_ROOT, "kernel-ts") + path.sep)) return build();
  const key = crypto.createHash("sha256").update(`${abs}\n${options}\n${sourcesState()}`).digest("hex").slice(0, 32);
  const file = path.join(DIR, `${key}.elf`);
  try { return fs.readFileSync(file); } catch { /* not built yet */ }
  const elf = await build();
  try {
    fs.mkdirSync(DIR, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, elf);
    fs.renameSync(tmp, file);
    const old = fs.readdirSync(DIR).filter((f) => f.endsWith(".elf")).map((f) => path.join(DIR, f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs).slice(KEEP);
    for (const f of old) fs.rmSync(f, { force: true });
  } catch { /* a cache that cannot be written only costs a rebuild */ }
  return elf;
}
