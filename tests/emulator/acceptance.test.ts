// Issue A's acceptance: a program that uses only the intrinsic ABI, kept outside the repository,
// gives under `kt run` and `kt run --kbc` exactly the bytes and exit code that the same wasm gives
// under V8 — here V8 is driven by a harness written in this test, independent of kt's own runner.
import { describe, it, expect } from "vitest";
import { compileProgram } from "../../toolchain/asc.ts";
import { kt } from "../lib/kt.ts";
import { writeProgram } from "../lib/tmp.ts";

const PROGRAM = `
@external("kernel", "outb") declare function outb(port: u32, v: u32): void;
@external("kernel", "inb") declare function inb(port: u32): u32;
@external("kernel", "exit") declare function exit(code: u32): void;

function out(b: u32): void {
  while ((inb(0x3fd) & 0x20) == 0) {}
  outb(0x3f8, b);
}

export function kmain(): void {
  let x: u32 = 0x12345678 + load<u32>(0x400000);
  for (let i = 0; i < 300; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out(x & 0xff);            // every byte value, 0x00..0xff
  }
  out(inb(0x2a0));            // a port nobody claims reads as all ones
  exit(17 + (x & 3));
}
`;

/** The same wasm under V8 through a harness of this test's own: outb to COM1 collects bytes. */
async function runUnderV8(wasm: Uint8Array): Promise<{ bytes: number[]; code: number }> {
  const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => unknown; instantiate(b: Uint8Array, i: object): Promise<{ instance: { exports: Record<string, () => void> } }> } }).WebAssembly;
  const bytes: number[] = [];
  class Exit { constructor(readonly code: number) {} }
  const memory = new WA.Memory({ initial: 1024, maximum: 1024 });
  const { instance } = await WA.instantiate(wasm, {
    env: { memory, abort: () => { throw new Error("abort"); } },
    kernel: {
      outb: (port: number, v: number) => { if ((port & 0xffff) === 0x3f8) bytes.push(v & 0xff); },
      inb: (port: number) => ((port & 0xffff) === 0x3fd ? 0x60 : 0xff),
      exit: (code: number) => { throw new Exit(code >>> 0); },
    },
  });
  try { instance.exports.kmain(); return { bytes, code: 0 }; } catch (e) {
    if (e instanceof Exit) return { bytes, code: e.code };
    throw e;
  }
}

describe("acceptance › a program outside the repository", () => {
  it("prints the same bytes and exits the same under kt run, kt run --kbc and plain V8", async () => {
    const file = writeProgram("outside/acceptance.ts", PROGRAM);
    const v8 = await runUnderV8((await compileProgram(file)).wasm);
    expect(v8.bytes.length).toBe(301);
    expect(new Set(v8.bytes).size).toBeGreaterThan(150); // about 177 distinct values expected from 300 random bytes
    for (const args of [["run", file], ["run", "--kbc", file]]) {
      const r = kt(args);
      expect([...Buffer.from(r.stdout, "latin1")], args.join(" ")).toEqual(v8.bytes);
      expect(r.code, args.join(" ")).toBe(v8.code);
    }
    const guest = kt(["boot", file]);
    expect([...Buffer.from(guest.stdout, "latin1")], "kt boot").toEqual(v8.bytes);
    expect(guest.code, "kt boot").toBe(v8.code);
  });
});
