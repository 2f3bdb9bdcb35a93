// The serial shell (issue D) as a user drives it: the kernel booted in v86, each command typed and
// its output checked up to the next prompt; bad input of every kind gets its line and the shell
// goes on; `fault` ends in a panic naming the line; the same image reaches the prompt in QEMU.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { buildImage, type Image } from "../../boot/image.ts";
import { Machine } from "../../emulator/machine.ts";
import { bootQemu } from "../../emulator/qemu.ts";
import { qemuChecks } from "../lib/guest.ts";
import { HEAPMAP_LAYOUT, HEAPMAP_MAGIC, HEAPMAP_PORT, HEAPMAP_VERSION } from "../../emulator/heapmap.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const PROMPT = /([^]*?)kt> /;
let img: Image;
let m: Machine;

/** Types `line` + Enter and returns what the shell printed before its next prompt (the echo removed). */
async function cmd(line: string, timeoutMs = 60_000): Promise<string> {
  m.send(line + "\r");
  const out = (await m.expect(PROMPT, timeoutMs))[1];
  expect(out.startsWith(line + "\n"), `echo of ${JSON.stringify(line)} in ${JSON.stringify(out)}`).toBe(true);
  return out.slice(line.length + 1);
}

beforeAll(async () => {
  img = await buildImage("kernel-ts/main.ts");
  m = await Machine.boot(img.elf, { memoryMB: 64 });
  await m.expect(PROMPT, 60_000);
}, 90_000);
afterAll(async () => { await m?.stop(); });

describe("shell › boot", () => {
  it("boots through every stage, passes its self-test, starts interrupts and threads, and prompts", () => {
    const out = m.output();
    for (const stage of [/^memory map:$/m, /^balloc: \d+ bytes used before paging$/m, /^frames: \d+ free of \d+ \(4 KiB\)$/m,
      /^paging: on, CR3 0x[0-9a-f]{8}, \d+ pages mapped$/m, /^palloc: pool 0xc0000000, \d+ KiB free$/m,
      /^tlsf: heap 0xd0000000, \d+ KiB free$/m, /^selftest: 15 passed, 0 failed$/m,
      /^interrupts: PIT at 100 Hz, COM1 input; threads: on$/m]) expect(out).toMatch(stage);
    expect(out.endsWith("kernel-ts shell: type help\nkt> ")).toBe(true);
  });
});

describe("shell › commands", () => {
  it("help lists every command", async () => {
    const out = await cmd("help");
    for (const c of ["help", "mem", "heap", "alloc tlsf|palloc SIZE [ALIGN]", "free ADDR", "pt VADDR", "selftest", "stress [THREADS] [OPS]", "bench", "fault null|ro|div|jit", "uptime", "threads", "reboot", "halt"]) {
      expect(out).toMatch(new RegExp(`^  ${c.replace(/[|[\]]/g, "\\$&")} `, "m"));
    }
  });

  it("mem prints the memory map and the free frames", async () => {
    expect(await cmd("mem")).toMatch(/^memory map:\n {2}0x00000000 - 0x0009ffff {2}available\n[^]*^frames: \d+ free of \d+ \(4 KiB\)\n$/m);
  });

  it("alloc and free change the heap figures, for tlsf and palloc", async () => {
    const before = await cmd("heap");
    const blocks = (s: string, which: string) => Number(new RegExp(`^${which}: .*?(\\d+) blocks`, "m").exec(s)![1]);
    const t = await cmd("alloc tlsf 4096");
    expect(t).toMatch(/^tlsf: 0xd[0-9a-f]{7} \(4096 bytes\)\n$/);
    const p = await cmd("alloc palloc 100 64");
    expect(p).toMatch(/^palloc: 0xc[0-9a-f]{5}[048c]0 \(100 bytes\)\n$/);
    const mid = await cmd("heap");
    expect(blocks(mid, "tlsf")).toBe(blocks(before, "tlsf") + 1);
    expect(blocks(mid, "palloc")).toBe(blocks(before, "palloc") + 1);
    const ta = /0x[0-9a-f]{8}/.exec(t)![0], pa = /0x[0-9a-f]{8}/.exec(p)![0];
    expect(await cmd(`free ${ta}`)).toBe(`freed ${ta} (tlsf)\n`);
    expect(await cmd(`free ${pa}`)).toBe(`freed ${pa} (palloc)\n`);
    expect(await cmd(`free ${ta}`)).toBe(`free: ${ta} is not a live block of tlsf or palloc\n`); // a double free
    expect(blocks(await cmd("heap"), "tlsf")).toBe(blocks(before, "tlsf"));
  });

  it("a large allocation grows the heap over pages mapped on first touch (its junk fill faults page after page, new page tables included); one larger than RAM is refused", async () => {
    expect(await cmd("alloc tlsf 16000000")).toMatch(/^tlsf: 0xd[0-9a-f]{7} \(16000000 bytes\)\n$/);
    expect(await cmd("alloc tlsf 100000000")).toBe("alloc: out of memory (tlsf)\n");
    expect(await cmd("alloc tlsf 0x3000000 0x400000")).toBe("alloc: out of memory (tlsf)\n");
  });

  it("heap shows balloc, palloc and tlsf", async () => {
    const out = await cmd("heap");
    expect(out).toMatch(/^balloc: \d+ bytes used, high water \d+, 0 failed \(sealed after boot\)$/m);
    expect(out).toMatch(/^palloc: pool 0xc0000000, \d+ used, \d+ free, \d+ blocks, \d+ free blocks, largest \d+, \d+ failed$/m);
    expect(out).toMatch(/^tlsf: heap 0xd0000000\.\.0x[0-9a-f]{8} \(limit 0xe0000000\), \d+ used, \d+ free, peak \d+, \d+ blocks, \d+ free blocks, largest \d+, 1 pools, \d+ failed, \d+ pages mapped on demand$/m);
  });

  it("pt walks the page tables: the heap mapped, page 0 not, code read-only", async () => {
    expect(await cmd("pt 0xd0000000")).toMatch(/^pt 0xd0000000: directory 0x[0-9a-f]{8}, PDE\[832\] = 0x[0-9a-f]{8} \[present, write[^\]]*\]\n {2}PTE\[0\] = 0x[0-9a-f]{8} \[present, write\] -> 0x[0-9a-f]{8}\n$/);
    expect(await cmd("pt 0")).toMatch(/PTE\[0\] = 0x00000000 \[not present\]\n$/);
    expect(await cmd("pt 0x100000")).toMatch(/PTE\[256\] = 0x00100[0-9a-f]{3} \[present, read-only\] -> 0x00100000\n$/);
    expect(await cmd("pt 0xf0000000")).toMatch(/^pt 0xf0000000: directory 0x[0-9a-f]{8}, PDE\[960\] = 0x00000000 \[not present\]\n$/);
  });

  it("selftest passes", async () => {
    expect(await cmd("selftest")).toBe("selftest: 15 passed, 0 failed\n");
  });

  it("stress: 4 threads x 100,000 operations on tlsf's _lk calls pass, and the heap checks clean", async () => {
    expect(await cmd("stress", 120_000)).toBe("stress: 4 passed, 0 failed\n");
    expect(await cmd("stress 8 5000")).toBe("stress: 8 passed, 0 failed\n");
  }, 150_000);

  it("threads lists the boot, idle and exited stress threads", async () => {
    const out = await cmd("threads");
    expect(out).toMatch(/^ {2}id {2}state {5}switches {2}name\n {3}0 {2}running +\d+ +boot\n {3}1 {2}(ready|running) +\d+ +idle\n/);
    expect(out).toMatch(/^ +\d+ {2}exited +\d+ +stress$/m);
    expect(out).toMatch(/^locks: contended \d+ times\n$/m);
  });

  it("bench runs the churn trace on the heap without a failure", async () => {
    expect(await cmd("bench", 120_000)).toMatch(/^bench: churn trace, seed 12345, 200000 steps on the tlsf heap: \d+ ms \(\d+ ns per step\), 0 failed, peak live 2056290 bytes, span \d+\n$/);
  }, 150_000);

  it("uptime counts PIT ticks", async () => {
    const a = /\((\d+) ticks\)/.exec(await cmd("uptime"))!;
    await new Promise((r) => setTimeout(r, 300));
    const out = await cmd("uptime");
    expect(out).toMatch(/^uptime: \d+\.\d\d s \(\d+ ticks\)\n$/);
    expect(Number(/\((\d+) ticks\)/.exec(out)![1])).toBeGreaterThan(Number(a[1]));
  });
});

describe("shell › heap map read from guest memory", () => {
  /** The figure after `label` on the `which:` line of the heap command's output. */
  const figure = (out: string, which: string, label: string) => Number(new RegExp(`^${which}: .*?(\\d+) ${label}`, "m").exec(out)![1]);

  it("matches the heap command's figures, and the blocks tile each heap", async () => {
    const out = await cmd("heap");
    const map = m.heapMap()!;
    expect(map).toBeDefined();
    for (const v of [map.tlsf, map.palloc]) {
      expect(v.complete, v.name).toBe(true);
      let at = v.blocks[0].addr;
      for (const b of v.blocks) { expect(b.addr, v.name).toBe(at); at += b.size; }
      expect(at + 8, `${v.name} ends at its end tag`).toBe(v.end);
    }
    expect(map.tlsf.start).toBe(0xd0000000);
    expect(map.tlsf.limit).toBe(0xe0000000);
    expect(map.palloc.blocks[0].addr).toBeGreaterThanOrEqual(0xc0000000);
    expect(map.tlsf.usedBytes).toBe(figure(out, "tlsf", "used"));
    expect(map.tlsf.freeBytes).toBe(figure(out, "tlsf", "free"));
    expect(map.tlsf.usedBlocks).toBe(figure(out, "tlsf", "blocks"));
    expect(map.tlsf.freeBlocks).toBe(figure(out, "tlsf", "free blocks"));
    expect(map.palloc.usedBytes).toBe(figure(out, "palloc", "used"));
    expect(map.palloc.freeBytes).toBe(figure(out, "palloc", "free"));
    expect(map.palloc.usedBlocks).toBe(figure(out, "palloc", "blocks"));
  });

  it("shows a block allocated in the shell, and its going when freed", async () => {
    for (const heap of ["tlsf", "palloc"] as const) {
      const before = m.heapMap()![heap];
      const addr = Number(new RegExp(`^${heap}: (0x[0-9a-f]{8})`).exec(await cmd(`alloc ${heap} 4096`))![1]);
      const after = m.heapMap()![heap];
      const block = after.blocks.find((b) => b.addr + 8 === addr);
      expect(block, `${heap} block at ${addr.toString(16)}`).toMatchObject({ used: true });
      expect(block!.size).toBeGreaterThanOrEqual(4096 + 8);
      expect(after.usedBlocks).toBe(before.usedBlocks + 1);
      expect(await cmd(`free 0x${addr.toString(16)}`)).toMatch(/^freed /);
      const freed = m.heapMap()![heap];
      expect(freed.usedBlocks).toBe(before.usedBlocks);
      expect(freed.blocks.some((b) => b.addr + 8 === addr && b.used)).toBe(false);
    }
  });

  it("follows the TLSF heap as it grows: the new pages walked, one pool still", async () => {
    const before = m.heapMap()!.tlsf;
    const addr = Number(/^tlsf: (0x[0-9a-f]{8})/.exec(await cmd(`alloc tlsf ${before.end - before.start + 1000000}`))![1]);
    const after = m.heapMap()!.tlsf;
    expect(after.complete).toBe(true);
    expect(after.end).toBeGreaterThan(before.end);
    expect(after.blocks.find((b) => b.addr + 8 === addr)).toMatchObject({ used: true });
    expect(after.usedBytes + after.freeBytes).toBe(after.end - after.start - 8); // blocks tile the range up to its end tag
    expect(await cmd(`free 0x${addr.toString(16)}`)).toMatch(/^freed /);
  });

  it("the kernel's descriptor and the walker agree on the port and the layout", () => {
    const src = fs.readFileSync("kernel-ts/mm/heapmap.ts", "utf8");
    const konst = (name: string) => Number(new RegExp(`const ${name}: \\w+ = (0x[0-9a-f]+|\\d+)`).exec(src)![1]);
    expect([konst("HEAPMAP_PORT"), konst("HEAPMAP_MAGIC"), konst("HEAPMAP_VERSION"), konst("DESCRIPTOR_BYTES")])
      .toEqual([HEAPMAP_PORT, HEAPMAP_MAGIC, HEAPMAP_VERSION, HEAPMAP_LAYOUT.bytes]);
    const stores = [...src.matchAll(/store<u32>\(descriptor, (\w+)(?:\(\))?(?:, (\d+))?\)/g)].map((s) => Number(s[2] ?? 0));
    expect(stores).toEqual(Object.values(HEAPMAP_LAYOUT).slice(0, -1));
  });
});

describe("shell › bad input gets a line and the shell goes on", () => {
  const cases: [string, string][] = [
    ["frob", "unknown command 'frob' (try help)\n"],
    ["alloc", "usage: alloc tlsf|palloc SIZE [ALIGN]\n"],
    ["alloc slab 10", "usage: alloc tlsf|palloc SIZE [ALIGN]\n"],
    ["alloc tlsf ten", "alloc: SIZE 'ten' is not a number (decimal, or hex with 0x)\n"],
    ["alloc tlsf 99999999999", "alloc: SIZE '99999999999' is not a number (decimal, or hex with 0x)\n"],
    ["alloc tlsf 10 3", "alloc: ALIGN must be a power of two\n"],
    ["alloc tlsf 0", "alloc: SIZE must be at least 1\n"],
    ["alloc tlsf 0xfffffff0", "alloc: out of memory (tlsf)\n"],
    ["alloc palloc 2000000", "alloc: out of memory (palloc)\n"],
    ["free", "usage: free ADDR\n"],
    ["free 0x", "free: ADDR '0x' is not a number (decimal, or hex with 0x)\n"],
    ["free 0", "free: 0x00000000 is not a live block of tlsf or palloc\n"],
    ["free 0xd0000001", "free: 0xd0000001 is not a live block of tlsf or palloc\n"],
    ["free 0xfffffff8", "free: 0xfffffff8 is not a live block of tlsf or palloc\n"],
    ["pt", "usage: pt VADDR\n"],
    ["pt zz", "pt: VADDR 'zz' is not a number (decimal, or hex with 0x)\n"],
    ["stress 0", "stress: THREADS must be 1 to 8\n"],
    ["stress 9", "stress: THREADS must be 1 to 8\n"],
    ["stress 2 0", "stress: OPS must be 1 to 10000000\n"],
    ["stress a", "stress: THREADS 'a' is not a number (decimal, or hex with 0x)\n"],
    ["fault", "usage: fault null|ro|div|jit\n"],
    ["fault disk", "usage: fault null|ro|div|jit\n"],
    ["heap now", "usage: heap\n"],
    ["halt please", "usage: halt\n"],
    ["a b c d e f g h i", "error: too many words (at most 8)\n"],
  ];
  for (const [line, out] of cases) {
    it(JSON.stringify(line), async () => {
      expect(await cmd(line)).toBe(out);
      expect(await cmd("uptime")).toMatch(/^uptime: /);
    });
  }

  it("an empty line, spaces only, and Ctrl-C give a new prompt", async () => {
    expect(await cmd("")).toBe("");
    expect(await cmd("   ")).toBe("");
    m.send("heap\x03");
    expect((await m.expect(PROMPT, 10_000))[1]).toBe("heap^C\n");
  });

  it("backspace, Ctrl-U and the Up arrow edit the line", async () => {
    m.send("uptimx\x7fe\r");
    expect((await m.expect(PROMPT, 10_000))[1]).toMatch(/^uptimx\x08 \x08e\nuptime: /);
    m.send("garbage\x15selftest\r");
    expect((await m.expect(PROMPT, 10_000))[1]).toMatch(/selftest\nselftest: 15 passed, 0 failed\n$/);
    m.send("\x1b[A\r"); // the last line again
    expect((await m.expect(PROMPT, 10_000))[1]).toMatch(/selftest\nselftest: 15 passed, 0 failed\n$/);
    m.send("\x1b[A\x1b[A\x1b[B\r"); // up twice, down once: the last line
    expect((await m.expect(PROMPT, 10_000))[1]).toMatch(/selftest: 15 passed, 0 failed\n$/);
  });

  it("LF and CR LF end a line too (one command each)", async () => {
    m.send("uptime\n");
    expect((await m.expect(PROMPT, 10_000))[1]).toMatch(/^uptime\nuptime: /);
    m.send("uptime\r\nuptime\r");
    expect((await m.expect(PROMPT, 10_000))[1]).toMatch(/^uptime\nuptime: /);
    expect((await m.expect(PROMPT, 10_000))[1]).toMatch(/^uptime\nuptime: /);
  });
});

describe("shell › ending", () => {
  /** Boots a fresh machine, types `line`, and returns the output after the echo and the exit code. */
  async function lastCommand(line: string): Promise<{ out: string; code: number }> {
    const k = await Machine.boot(img.elf, { memoryMB: 64 });
    try {
      await k.expect(PROMPT, 60_000);
      k.send(line + "\r");
      const code = await k.exited;
      const out = k.output();
      return { out: out.slice(out.lastIndexOf("kt> " + line + "\n") + line.length + 5), code };
    } finally { await k.stop(); }
  }

  it("fault null: a page-fault panic naming the line", async () => {
    const r = await lastCommand("fault null");
    expect(r.out).toMatch(/^fault: reading address 0\nPANIC: CPU exception #PF page fault \(vector 14, error code 0x00000000 \[read, not present\], CR2 0x00000000\) at shell\/shell\.ts:\d+\n {2}at \w+ \(shell\/shell\.ts:\d+\)\n/);
    expect(r.code).toBe(3);
  });

  it("fault ro: a write to the kernel's code faults", async () => {
    const r = await lastCommand("fault ro");
    expect(r.out).toMatch(/^fault: writing the kernel's code\nPANIC: CPU exception #PF page fault \(vector 14, error code 0x00000003 \[write, protection\], CR2 0x00100000\) at shell\/shell\.ts:\d+\n/);
    expect(r.code).toBe(3);
  });

  it("fault jit: a write to the VM's compiled code faults (it runs read-only, written through an alias)", async () => {
    const r = await lastCommand("fault jit");
    expect(r.out).toMatch(/^fault: writing compiled code\nPANIC: CPU exception #PF page fault \(vector 14, error code 0x00000003 \[write, protection\], CR2 0x[0-9a-f]{8}\) at shell\/shell\.ts:\d+\n/);
    const cr2 = Number(/CR2 (0x[0-9a-f]+)/.exec(r.out)![1]);
    expect(cr2).toBe(img.layout.jit!.area);
    expect(r.code).toBe(3);
  });

  it("fault div: integer divide by zero", async () => {
    const r = await lastCommand("fault div");
    expect(r.out).toMatch(/^fault: dividing by zero\nPANIC: integer divide by zero at shell\/shell\.ts:\d+\n/);
    expect(r.code).toBe(3);
  });

  it("halt stops the machine with exit code 0", async () => {
    expect(await lastCommand("halt")).toEqual({ out: "halted\n", code: 0 });
  });

  it("reboot starts the kernel again, to a new prompt", async () => {
    const k = await Machine.boot(img.elf, { memoryMB: 64 });
    try {
      await k.expect(PROMPT, 60_000);
      const first = k.instructions();
      k.send("reboot\r");
      await k.expect(/rebooting\n[^]*kernel-ts: booting\n[^]*selftest: 15 passed, 0 failed\n[^]*kt> /, 60_000);
      // The count goes on across the reset (v86 zeroes its counter): the second boot costs about what the first did.
      const second = k.instructions() - first;
      expect(second).toBeGreaterThan(first * 0.5);
      expect(second).toBeLessThan(first * 2);
      k.send("halt\r");
      expect(await k.exited).toBe(0);
    } finally { await k.stop(); }
  });

  /** Boots the image in QEMU to its prompt, runs `body`, and cleans up. */
  const inQemu = async (body: (q: Awaited<ReturnType<typeof bootQemu>>) => Promise<void>): Promise<void> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-shell-"));
    const file = path.join(dir, "kernel.elf");
    fs.writeFileSync(file, img.elf);
    const q = await bootQemu(file, { memoryMB: 64 });
    try {
      await q.expect(PROMPT, 60_000);
      await body(q);
    } finally { await q.stop(); fs.rmSync(dir, { recursive: true, force: true }); }
  };

  it("the same image reaches the prompt under QEMU and runs commands", async () => {
    if (!qemuChecks("shell")) return;
    await inQemu(async (q) => {
      q.send("heap\r");
      expect((await q.expect(PROMPT, 30_000))[1]).toMatch(/^heap\r?\nballoc: [^]*tlsf: heap 0xd0000000/);
      q.send("mem\r"); // QEMU's map ends with the BIOS ROM's region, which reaches 4 GiB
      expect((await q.expect(PROMPT, 30_000))[1]).toMatch(/^ {2}0xfffc0000 - 0xffffffff {2}reserved$/m);
      q.send("stress 2 2000\r");
      expect((await q.expect(PROMPT, 60_000))[1]).toMatch(/stress: 2 passed, 0 failed\n$/);
      q.send("reboot\r"); // -no-reboot ends that QEMU; kt starts the image again
      await q.expect(/rebooting\n[^]*kernel-ts: booting\n[^]*selftest: 15 passed, 0 failed\n[^]*kt> /, 60_000);
      expect(q.reboots).toBe(1);
      q.send("halt\r");
      expect(await q.exited).toBe(0);
    });
  }, 120_000);

  it("fault jit under QEMU: a write to the VM's compiled code faults there too (the same panic line, CR2 at the JIT area, exit code 3)", async () => {
    if (!qemuChecks("shell")) return;
    expect(img.layout.jit, "the default build compiles (JIT lazy)").toBeDefined();
    await inQemu(async (q) => {
      q.send("fault jit\r");
      // Had the write not faulted, the shell would go on to its next prompt: fail then, not at the timeout.
      const code = await Promise.race([q.exited, q.expect(PROMPT, 60_000).then((p) => { throw new Error(`no fault: the shell prompted again after ${JSON.stringify(p[1])}`); })]);
      // EXIT.PANIC is also what bootQemu reports when QEMU ends without the guest's code (a triple
      // fault, a QEMU failure): the code must be the one the kernel wrote (ports 0xF4 and 0xE9).
      expect(q.note, q.output().slice(-2000)).toBeUndefined();
      expect(q.failed).toBe(false);
      const all = q.output();
      const out = all.slice(all.lastIndexOf("kt> fault jit") + "kt> fault jit".length);
      expect(out).toMatch(/^\nfault: writing compiled code\nPANIC: CPU exception #PF page fault \(vector 14, error code 0x00000003 \[write, protection\], CR2 0x[0-9a-f]{8}\) at shell\/shell\.ts:\d+\n/);
      const cr2 = Number(/CR2 (0x[0-9a-f]+)/.exec(out)![1]);
      expect(cr2).toBe(img.layout.jit!.area);
      expect(code).toBe(3);
    });
  }, 120_000);
});

describe("shell › piped input", () => {
  it("printf 'heap\\r' | npm start prints the heap figures and exits 0 once the guest is quiet", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync("npm", ["start", "--silent"], { input: "heap\r", encoding: "latin1", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kt> heap\nballoc: [^\n]*\npalloc: [^\n]*\ntlsf: heap 0xd0000000[^\n]*\nkt> $/);
  }, 150_000);

  it("many piped lines are sent as the shell prompts (none lost), and a long silent command is not cut off", async () => {
    const { kt } = await import("../lib/kt.ts");
    const r = kt(["boot", "kernel-ts/main.ts"], { input: "uptime\r".repeat(40) + "stress 4 50000\r" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^uptime: /gm)).toHaveLength(40);
    expect(r.stdout).toMatch(/kt> stress 4 50000\nstress: 4 passed, 0 failed\nkt> $/);
  }, 150_000);

  it("several piped lines run in order, and a guest that exits ends the session with its code", async () => {
    const { kt } = await import("../lib/kt.ts");
    const r = kt(["boot", "kernel-ts/main.ts"], { input: "uptime\nselftest\nhalt\n" });
    expect(r.stdout).toMatch(/kt> uptime\nuptime: [^\n]*\nkt> selftest\nselftest: 15 passed, 0 failed\nkt> halt\nhalted\n$/);
    expect(r.code).toBe(0);
  }, 150_000);
});

describe("shell › npm start's image", () => {
  it("is built once and reused until a kernel source changes", async () => {
    const { kt } = await import("../lib/kt.ts");
    const { REPO_ROOT } = await import("../../toolchain/asc.ts");
    const dir = path.join(REPO_ROOT, "node_modules/.cache/kt/images");
    const images = () => new Set(fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".elf")) : []);
    expect(kt(["boot", "kernel-ts/main.ts"], { input: "halt\r" }).code).toBe(0);
    const first = images();
    expect(kt(["boot", "kernel-ts/main.ts"], { input: "halt\r" }).code).toBe(0);
    expect(images()).toEqual(first); // reused: nothing new built
    const src = path.join(REPO_ROOT, "kernel-ts/dev/pit.ts"), now = new Date();
    fs.utimesSync(src, now, new Date(now.getTime() + 1000)); // an edit, as far as the cache can tell
    expect(kt(["boot", "kernel-ts/main.ts"], { input: "halt\r" }).code).toBe(0);
    expect([...images()].some((f) => !first.has(f))).toBe(true); // rebuilt
  }, 150_000);
});
