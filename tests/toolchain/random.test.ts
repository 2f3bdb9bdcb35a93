// Differential testing with random programs: each program from tests/lib/randprog.ts is built once
// (asc at -O<seed % 4>, so unoptimised and optimised wasm both reach the translator), then run as
// wasm under V8, as kbc on the host interpreter and as kbc on the x86 VM in the guest (v86, with the
// compiling tier off, lazy and eager); all must print the same bytes and exit 0.
//
//   KT_RAND_SEED=N   first seed (default: a fixed base, so CI is reproducible)
//   KT_RAND_COUNT=N  how many programs (default 200)
//
// A failure names the seed, the program's temp file and its full source; re-run just that program
// with KT_RAND_SEED=<seed> KT_RAND_COUNT=1.
import { describe, it, expect, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateProgram } from "../lib/randprog.ts";
import { buildProgram, type BuiltProgram } from "../../toolchain/build.ts";
import { runBuiltWasm, runBuiltKbc } from "../lib/harness.ts";
import { runInV86 } from "../lib/guest.ts";

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${v} is not an integer`);
  return n;
}

const BASE = intEnv("KT_RAND_SEED", 0x5eed);
const COUNT = intEnv("KT_RAND_COUNT", 200);
const dir = path.join(os.tmpdir(), `kt-rand-${process.pid}`);
fs.mkdirSync(dir, { recursive: true });
afterAll(() => { try { fs.rmdirSync(dir); } catch { /* failing programs are kept */ } });

/** Everything needed to look at a failing program again. */
function describeFailure(seed: number, level: number, file: string, source: string, what: string): string {
  return [
    `random program seed ${seed} (-O${level}): ${what}`,
    `  file: ${file}`,
    `  re-run: KT_RAND_SEED=${seed} KT_RAND_COUNT=1 npx vitest run tests/toolchain/random.test.ts`,
    `  compare: node emulator/bin/kt.js run -O ${level} ${file}  vs  ... run --kbc -O ${level} ${file}  vs  ... boot -O ${level} ${file}`,
    `----- source -----`,
    source,
    `------------------`,
  ].join("\n");
}

/** The first line where two outputs differ, for the message. */
function firstDifference(a: string, b: string, other = "kbc"): string {
  const la = a.split("\n"), lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `output line ${i + 1}: wasm ${JSON.stringify(la[i] ?? "<end>")}, ${other} ${JSON.stringify(lb[i] ?? "<end>")}`;
  }
  return "outputs equal";
}

describe(`random programs (KT_RAND_SEED=${BASE}, KT_RAND_COUNT=${COUNT})`, () => {
  for (let i = 0; i < COUNT; i++) {
    const seed = BASE + i;
    const level = ((seed % 4) + 4) % 4;
    it(`seed ${seed} -O${level}`, async () => {
      const source = generateProgram(seed);
      const file = path.join(dir, `prog_${seed}.ts`);
      fs.writeFileSync(file, source);
      let built: BuiltProgram;
      try {
        built = await buildProgram(file, { optimizeLevel: level });
      } catch (e) {
        throw new Error(describeFailure(seed, level, file, source, `does not build:\n${(e as Error).message}`));
      }
      const wasm = runBuiltWasm(built);
      const kbc = runBuiltKbc(built);
      const msg = (what: string) => describeFailure(seed, level, file, source, what);
      expect(kbc.stdout, msg(`wasm and kbc print different bytes; first at ${firstDifference(wasm.stdout, kbc.stdout)}`)).toBe(wasm.stdout);
      expect(kbc.code, msg(`exit codes differ: wasm ${wasm.code}, kbc ${kbc.code}`)).toBe(wasm.code);
      expect(wasm.code, msg(`exit code ${wasm.code}, not 0 (the generator must not make trapping programs)\n${wasm.stdout.slice(-400)}`)).toBe(0);
      expect(wasm.stdout.length, msg("printed nothing")).toBeGreaterThan(0);
      for (const jit of ["off", "lazy", "eager"] as const) {
        const guest = await runInV86(built.kbc, `prog_${seed}.ts`, { jit });
        expect(guest.stdout, msg(`the guest (--jit ${jit}) prints different bytes; first at ${firstDifference(wasm.stdout, guest.stdout, "guest")}`)).toBe(wasm.stdout);
        expect(guest.code, msg(`exit codes differ: wasm ${wasm.code}, guest (--jit ${jit}) ${guest.code}`)).toBe(wasm.code);
      }
      fs.unlinkSync(file);
    }, 60_000);
  }
});
