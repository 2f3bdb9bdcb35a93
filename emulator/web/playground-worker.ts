// The playground's build, in a Web Worker (emulator/web/playground.ts posts to it): the kernel's
// sources as edited → AssemblyScript's compiler (asc, with the reject check) → the translator →
// the verifier → the image linker (boot/image.ts, iced-x86) → a Multiboot image, the same steps as
// `kt build` (toolchain/build.ts), in memory. Messages:
//   in:  { warm: true } (load the compiler now), or
//        { id, sources: { "main.ts": text, "shell/shell.ts": text, ... }, entry: "main.ts", optimizeLevel }
//   out: { ready: true, ms } (after warm), { id, ok: true, elf, ms } | { id, ok: false, errors: { file, line, col, message }[], text }

import { ascCompile } from "../../toolchain/asc-core.ts";
import { translateModule } from "../../toolchain/translate/module.ts";
import { verifyKbc } from "../../toolchain/kbc/verify.ts";
import { SourceMap } from "../../toolchain/sourcemap.ts";
import { linkImage } from "../../boot/image.ts";
import type { AscApi } from "../../toolchain/reject.ts";

export interface BuildRequest { id: number; sources: Record<string, string>; entry: string; optimizeLevel?: number }
export interface BuildError { file: string; line: number; col: number; message: string }
export type BuildReply = { id: number; ok: true; elf: Uint8Array; ms: number } | { id: number; ok: false; errors: BuildError[]; text: string };

type Asc = typeof import("assemblyscript/asc").default;
let asc: Promise<Asc> | undefined;
let api: Promise<AscApi> | undefined;

const post = (m: BuildReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

/** `file:line:col: error: ...` lines as errors (a line without a place names no file). */
function parse(text: string): BuildError[] {
  return text.split("\n").filter(Boolean).map((l) => {
    const m = /^(.+?):(\d+):(\d+): (?:error: )?(.*)$/.exec(l);
    return m ? { file: m[1], line: Number(m[2]), col: Number(m[3]), message: m[4] } : { file: "", line: 0, col: 0, message: l };
  });
}

/** Starts loading the compiler (it is big): the page asks as the playground opens. */
function warm(): void {
  asc ??= import("assemblyscript/asc").then((m) => m.default);
  api ??= import("assemblyscript").then((m) => m as unknown as AscApi);
}

self.onmessage = async (e: MessageEvent<BuildRequest | { warm: true }>) => {
  if ("warm" in e.data) {
    const t0 = performance.now();
    warm();
    // A small program through the compiler once: its first run is its slowest (the JS engine
    // compiles it as it goes), better spent while the user edits than after Build & boot.
    const src: Record<string, string> = { "warm.ts": "let n: u32 = 0;\nexport function kmain(): void { for (let i: u32 = 0; i < 10; i++) n += i; }\n" };
    await ascCompile({ asc: await asc!, api: api!, entryName: "warm.ts", baseDir: ".", readFile: (f) => src[f] ?? null, sourceText: (f) => src[f] ?? null, show: (f) => f }).catch(() => {});
    (self as unknown as Worker).postMessage({ ready: true, ms: performance.now() - t0 });
    return;
  }
  const { id, sources, entry } = e.data;
  const t0 = performance.now();
  try {
    warm();
    const compiler = await asc!;
    const out = await ascCompile({
      asc: compiler, api: api!, entryName: entry, baseDir: ".", optimizeLevel: e.data.optimizeLevel,
      readFile: (name) => sources[name.replace(/^\.\//, "")] ?? null,
      sourceText: (file) => (file.startsWith("~lib/") ? compiler.libraryFiles[file.slice(5).replace(/\.ts$/, "")] ?? null : sources[file] ?? null),
      show: (file) => file,
    });
    if ("diagnostics" in out) {
      const text = out.diagnostics.length ? out.diagnostics.join("\n") : `${entry}: error: ${out.error}`;
      post({ id, ok: false, errors: parse(text), text });
      return;
    }
    const kbc = translateModule(out.wasm, { sourceMap: SourceMap.parse(out.mapText), showPath: (f) => f, moduleName: entry });
    const problems = verifyKbc(kbc);
    if (problems.length) { post({ id, ok: false, errors: [{ file: "", line: 0, col: 0, message: `invalid kbc module: ${problems[0]}` }], text: problems[0] }); return; }
    const elf = linkImage(kbc, entry).elf;
    post({ id, ok: true, elf, ms: performance.now() - t0 }, [elf.buffer]);
  } catch (err) {
    // The toolchain's errors are one-line KtErrors (an unsupported construct: file:line:col first).
    const text = String((err as Error)?.message ?? err);
    post({ id, ok: false, errors: parse(text), text });
  }
};
