// The native twins of `kt bench vm` (kernel-ts/bench/c/, emulator/bench-native.ts): each builds
// with gcc -m32, boots in v86, prints the kernel-ts program's result line and brackets its work
// with markers 1..4. Behaviour only: instruction counts are checked to be there, times not at all.
// Without a gcc that builds i386 code (or, for hash64, a 32-bit libgcc) the checks are left out
// with the reason, except in CI.
import { describe, it, expect } from "vitest";
import { probeNative, buildNative, runNative } from "../../emulator/bench-native.ts";
import { checkMultibootElf } from "../../emulator/machine.ts";
import { toolChecks } from "../lib/tools.ts";

/** What the kernel-ts programs print (`kt run kernel-ts/bench/<name>.ts`). */
const RESULTS: Record<string, string> = {
  fib: "fib(24) = 46368\n",
  sieve: "primes below 100000: 9592\n",
  memcopy: "checksum: 244056064\n",
  hash64: "hash64 = 0x3c09c0abef35f2e7\n",
};

const SUITE = "native twins";
const probe = probeNative();

describe("the native twins of kt bench vm", () => {
  for (const [name, result] of Object.entries(RESULTS)) {
    it(`${name}.c builds, boots in v86, prints '${result.trim()}' and emits markers 1..4`, async () => {
      if (!toolChecks(SUITE, { name: "a gcc that builds i386 code (-m32)", present: probe.ok, install: probe.ok ? "" : probe.reason, checks: `${name} checks` })) return;
      if (name === "hash64" && probe.ok && !toolChecks(SUITE, { name: "a 32-bit libgcc (__umoddi3)", present: probe.libgcc, install: probe.libgccMissing ?? "", checks: "hash64 checks" })) {
        expect(buildNative(name)).toEqual({ skipped: expect.stringContaining("__umoddi3") });
        return;
      }
      const built = buildNative(name);
      if ("skipped" in built) throw new Error(`${name}: ${built.skipped}`);
      expect(() => checkMultibootElf(built.elf, 64 << 20)).not.toThrow();
      const run = await runNative(name, built.elf);
      expect(run.output).toBe(result);
      expect(run.marks.map((m) => m.id)).toEqual([1, 2, 3, 4]);
      const at = run.marks.map((m) => m.instructions);
      for (let i = 1; i < 4; i++) expect(at[i]).toBeGreaterThanOrEqual(at[i - 1]);
      expect(run.warmInstructions).toBe(at[3] - at[2]);
      expect(run.warmInstructions).toBeGreaterThan(10_000); // the work ran between the warm markers
      // ... and between the cold ones: the same work, so the same count but for a few instructions
      // around the markers (gcc did not drop or hoist the cold round's call).
      expect(Math.abs(at[1] - at[0] - run.warmInstructions)).toBeLessThan(100);
    });
  }
});
