// `kt bench` as users run it: the reports' shape and the facts they rest on (instruction counts
// repeat exactly, so facts about them can be asserted; wall times are only printed).
import { describe, it, expect } from "vitest";
import { kt } from "../lib/kt.ts";
import { toolChecks } from "../lib/tools.ts";

const oneLine = (s: string) => s.trimEnd().split("\n").length === 1;

describe("kt bench alloc", () => {
  it("measures the churn trace on the host and in the guest, and TLSF's cost does not depend on the pool size", () => {
    const r = kt(["bench", "alloc", "--seeds", "2", "--steps", "3000", "--json"]);
    expect(r.stderr).toContain("guest: run 0 tlsf 12345 16777216 1024 65536 0 ");
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.trace).toEqual({ seeds: [12345, 12346], steps: 3000, poolBytes: 16 << 20 });
    for (const k of ["tlsf", "palloc", "asTlsf", "thingMalloc"]) {
      expect(rep.host[k].perSeed).toHaveLength(2);
      expect(rep.host[k].nsPerOp).toBeGreaterThan(0);
      expect(rep.fragmentation[k].max).toBeGreaterThanOrEqual(1); // a span can never be below the live bytes
    }
    // The guest counts with the loop subtracted; the run also checked that the guest's failures,
    // peak live and peak span equal the host's for every seed (it fails otherwise).
    for (const k of ["tlsf", "palloc"]) {
      const g = rep.guest[k];
      expect(g.loopX86PerOp).toBeGreaterThan(0);
      expect(g.x86PerOp).toBeCloseTo(g.x86PerOpWithLoop - g.loopX86PerOp, 0);
      expect(g.x86PerOp).toBeGreaterThan(0);
      // Both tiers ran the same trace; compiled code executes fewer instructions for it.
      const i = rep.guest.interpreted[k];
      expect(i.loopX86PerOp).toBeGreaterThan(0);
      expect(g.x86PerOpWithLoop).toBeLessThan(i.x86PerOpWithLoop);
      // With paging on (as the kernel runs its heaps) compiled loads and stores check no memory
      // limit: fewer instructions than the same compiled code before paging.
      const u = rep.guest.unpaged[k];
      expect(u.loopX86PerOp).toBeGreaterThan(0);
      expect(g.x86PerOp).toBeLessThan(u.x86PerOp);
    }
    // O(1): the same trace in pools from 64 KiB to 256 MiB costs the same number of instructions.
    expect(rep.sweep.map((s: { poolBytes: number }) => s.poolBytes)).toEqual([64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20]);
    const counts = rep.sweep.map((s: { guestX86PerOp: number }) => s.guestX86PerOp);
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThan(1.01);
    for (const s of rep.sweep) expect(s.failed).toBe(0);
  }, 120_000);

  it("prints a table without --json, and --host-only leaves the guest out", () => {
    const r = kt(["bench", "alloc", "--seeds", "1", "--steps", "1000", "--host-only"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^churn trace: seeds 12345\.\.12345, 1000 steps each, 16 MiB pool$/m);
    expect(r.stdout).toMatch(/tlsf \/ AssemblyScript TLSF [\d.]+ \(target at most 1\.2\); @thi\.ng\/malloc \/ tlsf [\d.]+ \(target at least 30\)/);
    expect(r.stdout).toMatch(/^ {2}256 MiB +32 +1024 +0 +[\d.]+ +-$/m);
    expect(r.stdout).not.toContain("guest (v86)");
    expect(r.stderr).not.toContain("guest:");
  }, 60_000);

  it("rejects bad options with one line and exit code 2", () => {
    for (const [args, msg] of [
      [["bench", "alloc", "--seeds", "0"], "kt bench: --seeds takes 1 to 1000, not 0"],
      [["bench", "alloc", "--steps", "ten"], "kt bench: --steps takes a whole number, not 'ten'"],
      [["bench", "vm", "--seeds", "2"], "kt bench vm: --seeds is an option of kt bench alloc"],
      [["bench", "heap"], "kt bench: unknown benchmark 'heap' (benchmarks: vm, alloc, boot)"],
      [["bench", "boot", "--steps", "5"], "kt bench boot: --steps is an option of kt bench alloc"],
      [["bench", "alloc", "--fast"], "kt bench: unknown option --fast (see kt bench --help)"],
    ] as [string[], string][]) {
      const r = kt(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(oneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toContain(msg);
    }
  });
});

describe("kt bench vm", () => {
  it("reports kbc and x86 instruction counts for every benchmark program", () => {
    const r = kt(["bench", "vm", "--json"]);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.rows.map((x: { program: string }) => x.program)).toEqual(["fib", "sieve", "memcopy", "hash64"]);
    for (const row of rep.rows) {
      expect(row.kbcInstructions).toBeGreaterThan(100_000);
      expect(row.x86PerKbc).toBeCloseTo(row.guestInstructions / row.kbcInstructions, 1);
      // The compiling tier's count for the same work, beside it: fewer instructions.
      expect(row.jitX86PerKbc).toBeCloseTo(row.jitInstructions / row.kbcInstructions, 1);
      expect(row.jitInstructions).toBeGreaterThan(0);
      expect(row.jitInstructions).toBeLessThan(row.guestInstructions);
    }
    expect(rep.hotCodeBytes).toBeGreaterThan(0);
    // The C twins (their result lines were checked against the kernel-ts programs' by the run).
    if (toolChecks("kt bench vm", { name: "a gcc that builds i386 code (-m32)", present: rep.nativeSkipped === undefined, install: rep.nativeSkipped, checks: "C column checks" })) {
      expect(rep.nativeCompiler).toMatch(/gcc/);
      for (const row of rep.rows) {
        if (row.nativeSkipped !== undefined) {
          toolChecks("kt bench vm", { name: "a 32-bit libgcc", present: false, install: row.nativeSkipped, checks: `${row.program} C twin checks` });
          continue;
        }
        expect(row.nativeInstructions).toBeGreaterThan(10_000);
        expect(row.interpPerNative).toBeCloseTo(row.guestInstructions / row.nativeInstructions, 1);
        expect(row.jitPerNative).toBeCloseTo(row.jitInstructions / row.nativeInstructions, 1);
      }
    }
  }, 180_000);
});

describe("kt bench boot", () => {
  it("times the kernel to its prompt beside a minimal image's first byte, in wall ms and guest instructions", () => {
    const r = kt(["bench", "boot", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.kernel.perRunMs).toHaveLength(5);
    expect(rep.minimal.instructions).toBeLessThan(100); // mov, mov, out: the byte is out
    expect(rep.kernel.instructions).toBeGreaterThan(1_000_000); // memory set-up, self-test, threads
    expect(rep.kernel.wallMs).toBeGreaterThan(0);
    expect(rep.targets).toEqual({ promptMs: 150, promptInstructions: 5_000_000 });
    if (toolChecks("kt bench boot", { name: "SeaBIOS", present: rep.floppy !== null, install: rep.floppySkipped, checks: "floppy row checks" })) {
      expect(rep.floppy.perRunMs).toHaveLength(5);
      // The BIOS's start-up and our loader come first: more instructions than the Multiboot boot.
      expect(rep.floppy.instructions).toBeGreaterThan(rep.kernel.instructions + 1_000_000);
    }
  }, 180_000);
});
