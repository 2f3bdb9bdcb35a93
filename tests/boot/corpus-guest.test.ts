// The kernel-ts corpus in the guest: every program of tests/corpus/, linked into a Multiboot image
// and booted in v86 (with the compiling tier off, lazy and eager) and in QEMU (lazy), must print
// exactly its expected bytes and exit with its code — the same as wasm under V8 and kbc on the
// host (tests/toolchain/corpus.test.ts).
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { buildProgram } from "../../toolchain/build.ts";
import { runInV86, runInQemu, haveQemu } from "../lib/guest.ts";

const DIR = path.resolve("tests/corpus");
const all = fs.readdirSync(DIR).filter((f) => f.endsWith(".ts")).sort();
// A program whose second line is `// host-only: <reason>` relies on the host's device model
// (e.g. hlt returning at once) and cannot behave the same on a real CPU; it runs on the host only.
const hostOnly = new Map(all.map((f) => [f, /^\/\/ exit: \d+\r?\n\/\/ host-only: (.+)/.exec(fs.readFileSync(path.join(DIR, f), "utf8"))?.[1]] as const)
  .filter(([, why]) => why !== undefined));
const programs = all.filter((f) => !hostOnly.has(f));
const qemu = haveQemu();
if (!qemu && process.env.CI) throw new Error("CI must have qemu-system-i386 (see .ci/run)");
if (!qemu) console.log("corpus-guest: qemu-system-i386 is not installed; the QEMU runs are skipped (apt-get install qemu-system-x86)");

describe("corpus in the guest", () => {
  it("runs the whole corpus but the few host-only programs, each with its reason", () => {
    expect(programs.length).toBeGreaterThanOrEqual(60);
    expect(hostOnly.size, [...hostOnly].map(([f, why]) => `${f}: ${why}`).join("\n")).toBeLessThanOrEqual(3);
    for (const [, why] of hostOnly) expect(why!.length).toBeGreaterThan(20);
  });

  for (const file of programs) {
    it(file.replace(/\.ts$/, ""), async () => {
      const src = path.join(DIR, file);
      const exit = Number(/^\/\/ exit: (\d+)/.exec(fs.readFileSync(src, "utf8"))?.[1]);
      const expected = fs.readFileSync(src.replace(/\.ts$/, ".expected"), "latin1");
      const { kbc } = await buildProgram(src);
      for (const jit of ["off", "lazy", "eager"] as const) {
        const v86 = await runInV86(kbc, file, { jit });
        expect({ stdout: v86.stdout, code: v86.code }, `v86, --jit ${jit}`).toEqual({ stdout: expected, code: exit });
      }
      if (qemu) expect(await runInQemu(kbc, file, { jit: "lazy" }), "QEMU, --jit lazy").toEqual({ stdout: expected, code: exit });
    });
  }
});
