// The emulated PC: Machine (v86) booting tiny Multiboot images, and `kt boot` as a user runs it,
// in v86 and in QEMU.
import { describe, it, expect, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Machine, ExpectError } from "../../emulator/machine.ts";
import { REPO_ROOT } from "../../toolchain/asc.ts";
import { kt } from "../lib/kt.ts";
import { writeProgram } from "../lib/tmp.ts";
import { tinyImage, LOAD_ADDR } from "../lib/tiny-image.ts";
import { Section, assemble, mem, ref } from "../../boot/asm.ts";
import { writeElf } from "../../boot/elf.ts";
import { qemuChecks } from "../lib/guest.ts";

const oneLine = (s: string) => s.trimEnd().split("\n").length === 1;

/** Writes `bytes` to a temporary file (outside the repository, as users' images would be). */
function writeBytes(name: string, bytes: Uint8Array): string {
  const file = writeProgram(name, "");
  fs.writeFileSync(file, bytes);
  return file;
}

let hiElf: string, spinElf: string, echoElf: string;
beforeAll(() => {
  hiElf = writeBytes("machine/hi.elf", tinyImage().elf);
  spinElf = writeBytes("machine/spin.elf", tinyImage({ mode: "spin" }).elf);
  echoElf = writeBytes("machine/echo.elf", tinyImage({ mode: "echo", print: "> ", exitCode: 5 }).elf);
});

describe("Machine (v86)", () => {
  it("boots the tiny image: serial output, exit code, instruction count, physical memory", async () => {
    const img = tinyImage();
    const m = await Machine.boot(img.elf, { memoryMB: 32 });
    const chunks: number[] = [];
    m.onSerial((b) => chunks.push(...b));
    expect(await m.exited).toBe(7);
    expect(m.output()).toBe("hi\n");
    expect(Buffer.from(chunks).toString("latin1")).toBe("hi\n");
    const n = m.instructions();
    expect(n).toBeGreaterThan(0);
    expect(m.instructions()).toBeGreaterThanOrEqual(n);
    expect(Buffer.from(m.readPhys(LOAD_ADDR, img.text.length)).equals(Buffer.from(img.text))).toBe(true);
    expect(() => m.readPhys((32 << 20) - 4, 8)).toThrow(/outside guest memory/);
    await m.stop();
  });

  it("counts instructions monotonically, across the 32-bit counter's wrap", async () => {
    const m = await Machine.boot(tinyImage({ mode: "spin" }).elf, {});
    await m.expect(/hi\n/, 5000);
    let last = m.instructions();
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const n = m.instructions();
      expect(n).toBeGreaterThan(last);
      last = n;
    }
    // Move v86's counter close to 2^32: the total must keep growing through the wrap.
    const counter = (m.emulator as unknown as { v86: { cpu: { instruction_counter: Uint32Array } } }).v86.cpu.instruction_counter;
    counter[0] = 0xffffff00;
    const before = m.instructions();
    await new Promise((r) => setTimeout(r, 100));
    expect(m.emulator.get_instruction_counter()).toBeLessThan(0xffffff00); // it wrapped
    expect(m.instructions()).toBeGreaterThan(before);
    expect(m.instructions()).toBeGreaterThan(2 ** 32);
    await m.stop();
  });

  it("expect() matches in order, send() types into COM1", async () => {
    const m = await Machine.boot(tinyImage({ mode: "echo", print: "> ", exitCode: 5 }).elf, {});
    expect((await m.expect(/> $/, 5000))[0]).toBe("> ");
    m.send("one\n");
    await m.expect(/one\n/, 5000);
    m.send("two");
    const t = await m.expect(/t(w)o/, 5000);
    expect(t[1]).toBe("w");
    m.send("q");
    expect(await m.exited).toBe(5);
    expect(m.output()).toBe("> one\ntwo");
    await m.stop();
  });

  it("expect() times out with a clear error holding the last 20 lines", async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}\n`).join("");
    const m = await Machine.boot(tinyImage({ mode: "spin", print: lines }).elf, {});
    await m.expect(/line 25\n/, 5000);
    const none = await m.expect(/nope/, 200).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ExpectError);
    expect((none as ExpectError).reason).toBe("timeout");
    // Only output since the last match counts: nothing new.
    expect((none as Error).message).toBe("expect: no match for /nope/ within 200 ms; last 20 lines of serial output:\n(none)");
    await m.stop();

    const m2 = await Machine.boot(tinyImage({ mode: "spin", print: lines }).elf, {});
    const e = (await m2.expect(/nope/, 300).catch((x: unknown) => x)) as Error;
    const tail = Array.from({ length: 20 }, (_, i) => `line ${i + 6}`).join("\n");
    expect(e.message).toBe(`expect: no match for /nope/ within 300 ms; last 20 lines of serial output:\n${tail}`);
    await m2.stop();
  });

  it("expect() fails at once when the guest exits first", async () => {
    const m = await Machine.boot(tinyImage().elf, {});
    const t0 = Date.now();
    const e = (await m.expect(/never/, 10_000).catch((x: unknown) => x)) as ExpectError;
    expect(e.reason).toBe("exited");
    expect(e.message).toMatch(/^expect: the guest exited \(code 7\) before \/never\/ appeared; last 20 lines of serial output:\nhi$/);
    expect(Date.now() - t0).toBeLessThan(5000);
    await m.stop();
  });

  it("rejects an image without a Multiboot header, or too big for the memory", async () => {
    await expect(Machine.boot(new Uint8Array(4096), {})).rejects.toThrow(/not a Multiboot image/);
    await expect(Machine.boot(tinyImage().elf, { memoryMB: 1 })).rejects.toThrow(/memory must be 2 to 3072 MiB/);
  });

  it("stop() leaves nothing that keeps Node alive", () => {
    // A separate process: boot a machine that never exits, stop it, and the process must end.
    const script = writeProgram(`machine/stop-exit-${process.pid}.ts`, `
      import { Machine } from ${JSON.stringify(path.join(REPO_ROOT, "emulator/machine.ts"))};
      import { tinyImage } from ${JSON.stringify(path.join(REPO_ROOT, "tests/lib/tiny-image.ts"))};
      const m = await Machine.boot(tinyImage({ mode: "spin" }).elf, {});
      await m.expect(/hi/, 5000);
      await m.stop();
      console.log("stopped after", m.instructions() > 0 ? "running" : "nothing");
    `);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "scripts/run-ts.mjs"), script], {
      cwd: REPO_ROOT, encoding: "utf8", timeout: 30_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("stopped after running\n");
    expect(Date.now() - t0).toBeLessThan(20_000);
    fs.rmSync(path.join(REPO_ROOT, "node_modules/.cache/kt", path.basename(script, ".ts") + ".mjs"), { force: true });
  });
});

describe("kt boot", () => {
  it("has --help, and bad input gets one line with exit code 2", () => {
    const h = kt(["boot", "--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^usage: kt boot/);
    const cases: [string[], RegExp][] = [
      [["boot", "--fast", "x.elf"], /^kt boot: unknown option --fast \(see kt boot --help\)$/],
      [["boot", "nope.elf"], /^nope\.elf: no such file$/],
      [["boot", "notes.txt"], /^kt boot: notes\.txt: expected a \.ts entry file or a \.elf image$/],
      [["boot", "x.elf", "--expect", "("], /^kt boot: --expect '\(' is not a regular expression: /],
      [["boot", "x.elf", "--timeout", "soon"], /^kt boot: --timeout takes a number of seconds above 0, not 'soon'$/],
    ];
    for (const [args, re] of cases) {
      const r = kt(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trimEnd()).toMatch(re);
      expect(oneLine(r.stderr), r.stderr).toBe(true);
    }
    const junk = writeProgram("machine/junk.elf", "not an image at all");
    const j = kt(["boot", junk]);
    expect(j.code).toBe(2);
    expect(j.stderr).toMatch(/junk\.elf: not a Multiboot image/);
  });

  it("boots an .elf: serial to stdout byte for byte, the guest's exit code", () => {
    const r = kt(["boot", hiElf]);
    expect(r.stdout).toBe("hi\n");
    expect(r.code).toBe(7);
  });

  it("applies --expect and --send in order", () => {
    const r = kt(["boot", echoElf, "--expect", "> $", "--send", "abc\\n", "--expect", "c\\n", "--send", "xyz", "--expect", "z", "--send", "q"]);
    expect(r.stdout).toBe("> abc\nxyz");
    expect(r.code).toBe(5);
    const early = kt(["boot", hiElf, "--expect", "never"]);
    expect(early.code).toBe(7);
    expect(early.stderr).toBe("kt boot: the guest exited with code 7 before /never/ appeared\n");
  });

  it("--timeout: exit code 124 and the last serial lines on stderr", () => {
    const t0 = Date.now();
    const r = kt(["boot", spinElf, "--timeout", "1"]);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe("hi\n");
    expect(r.stderr).toBe("kt boot: timed out after 1 s waiting for the guest to exit; last 20 serial lines:\nhi\n");
    expect(Date.now() - t0).toBeLessThan(15_000);
    const e = kt(["boot", echoElf, "--timeout", "0.5", "--expect", "never"]);
    expect(e.code).toBe(124);
    expect(e.stderr).toBe("kt boot: timed out after 0.5 s waiting for /never/; last 20 serial lines:\n> \n");
  });

  it("--qemu: a clear line when QEMU is missing", () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "emulator/bin/kt.js"), "boot", "--qemu", hiElf], {
      cwd: REPO_ROOT, encoding: "latin1", env: { ...process.env, PATH: "/nonexistent" }, timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("kt boot --qemu: qemu-system-i386 is not installed (apt-get install qemu-system-x86)\n");
  });

  it("--qemu boots the same image: same bytes, same exit code", () => {
    if (!qemuChecks("kt boot --qemu")) return;
    const r = kt(["boot", "--qemu", hiElf]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hi\n");
    expect(r.code).toBe(7);
    const e = kt(["boot", "--qemu", echoElf, "--expect", "> $", "--send", "abc\\n", "--expect", "c\\n", "--send", "q"]);
    expect(e.stdout).toBe("> abc\n");
    expect(e.code).toBe(5);
    const t = kt(["boot", "--qemu", spinElf, "--timeout", "1"]);
    expect(t.code).toBe(124);
    expect(t.stderr).toMatch(/last 20 serial lines:\nhi\n$/);
  });

  it("--qemu: a reset the kernel did not announce (a triple fault) ends the run as a panic, QEMU not restarted", () => {
    if (!qemuChecks("kt boot --qemu")) return;
    // An empty IDT, then int3: #GP, #DF, triple fault, reset; QEMU runs with -no-reboot.
    const s = new Section("text", LOAD_ADDR);
    s.dd(0x1badb002, 0, (-0x1badb002) >>> 0).label("entry");
    s.i("mov", "dx", 0x3f8).i("mov", "al", 0x21).i("out", "dx", "al");
    s.i("lidt", mem({ disp: ref("idt0"), size: 0 })).i("int3");
    s.label("idt0").dd(0, 0);
    const code = assemble([s]);
    const file = writeBytes("machine/triple.elf", writeElf([{ addr: LOAD_ADDR, bytes: code.sections[0].bytes, flags: "rx" }], code.labels.get("entry")!));
    const r = kt(["boot", "--qemu", file, "--timeout", "20"]);
    expect(r.stdout).toBe("!");
    expect(r.stderr).toBe("kt boot --qemu: QEMU stopped without an exit code (the guest reset or triple-faulted)\n");
    expect(r.code).toBe(3);
  });
});

describe("tiny images", () => {
  it("are Multiboot ELFs loaded at 1 MiB", () => {
    const { elf, text } = tinyImage();
    expect(Buffer.from(elf.subarray(0, 4)).toString("latin1")).toBe("\x7fELF");
    expect(new DataView(text.buffer, text.byteOffset).getUint32(0, true)).toBe(0x1badb002);
    expect(fs.existsSync(hiElf)).toBe(true);
  });
});
