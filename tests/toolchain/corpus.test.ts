// The kernel-ts corpus (tests/corpus/): every program is built once, then run as wasm under V8 and
// as kbc on the host interpreter. Each run must print exactly NAME.expected (bytes, latin1) and
// exit with the code on the program's first line, `// exit: N` (3 = panic). The expectations were
// worked out from the language's semantics, so a failure here is a toolchain or VM bug (or a
// wrong expectation), never something to paper over.
import { describe, it, expect, beforeAll } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runBoth, type Outcome } from "../lib/harness.ts";

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../corpus");
const programs = fs.readdirSync(DIR).filter((f) => f.endsWith(".ts")).sort();

interface Spec { file: string; exit: number; expected: string }

/** The program's expectations; throws when the corpus entry is malformed. */
function specOf(file: string): Spec {
  const src = path.join(DIR, file);
  const m = /^\/\/ exit: (\d+)\r?\n/.exec(fs.readFileSync(src, "utf8"));
  if (!m) throw new Error(`${file}: the first line must be "// exit: N"`);
  const exp = src.replace(/\.ts$/, ".expected");
  if (!fs.existsSync(exp)) throw new Error(`${file}: ${path.basename(exp)} is missing`);
  return { file: src, exit: Number(m[1]), expected: fs.readFileSync(exp, "latin1") };
}

describe("corpus", () => {
  it("has at least 60 programs, each with its .expected file", () => {
    expect(programs.length).toBeGreaterThanOrEqual(60);
    for (const f of programs) expect(() => specOf(f), f).not.toThrow();
    const orphans = fs.readdirSync(DIR).filter((f) => f.endsWith(".expected") && !programs.includes(f.replace(/\.expected$/, ".ts")));
    expect(orphans, "expected files without a program").toEqual([]);
  });

  for (const file of programs) {
    describe(file.replace(/\.ts$/, ""), () => {
      let spec: Spec;
      let runs: { wasm: Outcome; kbc: Outcome } | null = null;
      let failure: unknown = null;

      beforeAll(async () => {
        try {
          spec = specOf(file);
          runs = await runBoth(spec.file);
        } catch (e) {
          failure = e; // reported by each test below: a build error fails both
        }
      });

      const outcome = (which: "wasm" | "kbc"): Outcome => {
        if (failure) throw failure;
        return runs![which];
      };

      it("wasm under V8", () => {
        const r = outcome("wasm");
        expect({ stdout: r.stdout, code: r.code }).toEqual({ stdout: spec.expected, code: spec.exit });
      });

      it("kbc on the host interpreter", () => {
        const r = outcome("kbc");
        expect({ stdout: r.stdout, code: r.code }).toEqual({ stdout: spec.expected, code: spec.exit });
      });
    });
  }
});
