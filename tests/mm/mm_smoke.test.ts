// tests/mm/mm_smoke.ts, a program using balloc and palloc, prints the same under V8 and the kernel VM.
import { describe, it, expect } from "vitest";
import { runBoth } from "../lib/harness.ts";

describe("mm_smoke", () => {
  it("prints the same figures under V8 and as kbc, and exits 0", async () => {
    const { wasm, kbc } = await runBoth("tests/mm/mm_smoke.ts");
    expect(kbc).toEqual(wasm);
    expect(wasm.code).toBe(0);
    expect(wasm.stdout).toContain("balloc(8, 4096) = 0x00401000\n");
    expect(wasm.stdout).toContain("pfree(b) 1, again 0, interior 0, misaligned 0, foreign 0\n");
    expect(wasm.stdout).toContain("palloc_ali(64, 4096) = 0x00501000\n");
    expect(wasm.stdout).toMatch(/pcheck = 0\n[^]*pcheck = 0\nmm_smoke: ok\n$/);
  });
});
