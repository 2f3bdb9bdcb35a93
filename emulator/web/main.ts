// The browser page of `kt web` (served by emulator/web.ts): the kernel booted in v86 (the same
// Machine as `kt boot`, given the v86 wasm the page fetched), an xterm.js terminal on its COM1,
// the boot stages, a reboot button and the live heap map (heapmap-canvas.ts). Units: bytes,
// milliseconds (performance.now(), from the page's navigation).
//
// Rebuilds (kt web --watch): esbuild's live-reload stream (/esbuild) sends a "change" event; when
// it names /build.js only, the kernel was rebuilt: the page imports build.js again and either
// reboots into the new kernel.elf or shows the build error and keeps the running kernel. Any
// other changed output (the page's own code) reloads the page.
//
// Test hook (tests/web/web.test.ts reads it with page.evaluate): window.kt =
//   text()      the terminal's buffer as text, lines joined by "\n"
//   heapMap()   Machine.heapMap() now (undefined before the kernel announced its heaps)
//   stages()    the boot stages: { name, state, ms, detail }[]
//   prompted()  true once the shell prompted in the current boot
//   build()     the last build.js: { version, error, entry, buildMs }
//   boots()     boots started by the page (load, reboot button, rebuilds)
//   redraws()   heap-map redraws
//   promptMs()  performance.now() when the current boot first prompted (undefined before)
//   blockAt(x, y)  the heap-map block under canvas CSS pixel (x, y): { heap, block } or undefined

import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { Machine, type WasmModule } from "../machine.ts";
import type { HeapMap } from "../heapmap.ts";
import type { BuildInfo } from "../web.ts";
import { BootProgress, type Stage } from "./boot-stages.ts";
import { HeapMapCanvas, describeBlock } from "./heapmap-canvas.ts";
import { DebugPanel, type DebugView } from "./debug-panel.ts";
import { readTrailer, type Carried } from "../debug/trailer.ts";
import type { KbcModule } from "../../toolchain/kbc/module.ts";
import type { PlaygroundView } from "./playground.ts";

const MEMORY_MB = 64;            // as kt boot's default
const HEAP_POLL_MS = 250;        // the heap map is read at least this often...
const HEAP_AFTER_OUTPUT_MS = 40; // ...and this long after serial output (an alloc's reply)

interface KtHook {
  text(): string; heapMap(): HeapMap | undefined; stages(): Stage[]; prompted(): boolean;
  build(): BuildInfo; boots(): number; redraws(): number; promptMs(): number | undefined;
  blockAt(x: number, y: number): ReturnType<HeapMapCanvas["blockAt"]>;
  debug(): DebugView | undefined;
  playground(): PlaygroundView | undefined;
}
declare global { interface Window { kt: KtHook } }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  terminal: $<HTMLDivElement>("terminal"),
  canvas: $<HTMLCanvasElement>("heapmap"),
  stages: $<HTMLOListElement>("stages"),
  reboot: $<HTMLButtonElement>("reboot"),
  playgroundToggle: $<HTMLButtonElement>("playground-toggle"),
  playground: $<HTMLElement>("playground"),
  error: $<HTMLDivElement>("build-error"),
  status: $<HTMLSpanElement>("status"),
};

let build: BuildInfo = { version: 0, error: "", entry: "", buildMs: 0 };
let image: { version: number; bytes: Uint8Array; debug?: { kbc: KbcModule; carried: Carried } } | undefined;
/** The debug panel, once an image with debug information (kt web --debug) has been booted. */
let panel: DebugPanel | undefined;
/** The playground, once opened; the image it built last (boots and reboots use it instead of the site's). */
let playground: PlaygroundView | undefined;
let built: { bytes: Uint8Array; label: string; debug?: { kbc: KbcModule; carried: Carried } } | undefined;
let machine: Machine | undefined;
let boots = 0;
let promptMs: number | undefined;
let queue: Promise<void> = Promise.resolve();
let heapTimer: ReturnType<typeof setTimeout> | undefined;
let heapDue = 0; // performance.now() when heapTimer fires
let halted = false; // the guest exited: its last heap map stays on the canvas

const progress = new BootProgress(renderStages);
const heap = new HeapMapCanvas(ui.canvas);
const term = openTerminal();
let wasm: Promise<WasmModule> | undefined;

/**
 * The terminal: our own Terminal wired to the Machine (onSerial → write, onData → send) rather
 * than v86's serial_container_xtermjs with Terminal as its xterm_lib. v86's adapter creates the
 * terminal itself and disposes of it in emulator.destroy(), and Machine destroys the emulator as
 * soon as the guest exits: a panic report would vanish the moment it is printed, and every reboot
 * (a new Machine) would start a new terminal. One terminal for the page's life keeps both.
 */
function openTerminal(): Terminal {
  const t = new Terminal({
    convertEol: true, cursorBlink: true, scrollback: 5000, fontSize: 13,
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    theme: { background: "#0e1013", foreground: "#d8dee9", cursor: "#e8893a", selectionBackground: "#3b4252" },
  });
  const fit = new FitAddon();
  t.loadAddon(fit);
  t.open(ui.terminal);
  fit.fit();
  new ResizeObserver(() => { fit.fit(); heap.refit(); }).observe(ui.terminal);
  t.onData((data) => machine?.send(data));
  t.focus();
  return t;
}

/** The terminal's buffer as text: lines the terminal wrapped joined again, empty lines at the end dropped. */
function terminalText(): string {
  const b = term.buffer.active, lines: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const line = b.getLine(i), wrapsOn = b.getLine(i + 1)?.isWrapped === true;
    const s = line?.translateToString(!wrapsOn) ?? "";
    if (line?.isWrapped && lines.length) lines[lines.length - 1] += s;
    else lines.push(s);
  }
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines.join("\n");
}

/** v86's wasm, fetched and compiled once for every boot of this page. */
function v86Wasm(): Promise<WasmModule> {
  wasm ??= fetch("v86.wasm").then(async (r) => {
    if (!r.ok) throw new Error(`v86.wasm: HTTP ${r.status}`);
    return WebAssembly.compile(await r.arrayBuffer());
  });
  return wasm;
}

/** build.js, imported anew (the query defeats the module cache). */
async function loadBuild(): Promise<BuildInfo> {
  const url = new URL(`build.js?t=${Date.now()}`, location.href).href;
  return ((await import(url)) as { build: BuildInfo }).build;
}

async function fetchImage(version: number): Promise<Uint8Array> {
  const r = await fetch(`kernel.elf?v=${version}`, { cache: "no-store" });
  if (!r.ok) throw new Error(`kernel.elf: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Queues a boot: of the image of the current build (fetched when newer than the one held). */
function reboot(): Promise<void> {
  queue = queue.then(bootOnce).catch((e: unknown) => {
    progress.fail((e as Error).message);
    setStatus(`boot failed: ${(e as Error).message}`, true);
  });
  return queue;
}

async function bootOnce(): Promise<void> {
  boots++;
  promptMs = undefined;
  progress.reset();
  progress.begin("emulator");
  const module = await v86Wasm();
  progress.done("emulator", "v86.wasm compiled");
  progress.begin("image");
  if (!built && (!image || image.version !== build.version)) {
    const bytes = await fetchImage(build.version);
    image = { version: build.version, bytes, debug: debugInfoOf(bytes) };
  }
  const boot = built ? { version: image?.version ?? 0, ...built } : image!;
  await machine?.stop();
  machine = undefined;
  term.reset();
  term.write(`\x1b[2m── boot ${boots} · ${built ? built.label : `build ${boot.version} of ${build.entry}`} · ${MEMORY_MB} MiB ──\x1b[0m\r\n`);
  // A debug image boots stopped: the debugger sets its breakpoints before anything runs.
  const dbg = boot.debug;
  const m = await Machine.boot(boot.bytes, { wasm: module, memoryMB: MEMORY_MB, paused: !!dbg });
  progress.done("image", `${built ? built.label : "kernel.elf"}, ${(boot.bytes.length / 1024).toFixed(0)} KiB${built ? "" : `, build ${boot.version}`}${dbg ? ", debug" : ""}`);
  if (dbg) {
    panel ??= new DebugPanel(dbg.carried, build.entry);
    panel.attach(m, dbg.kbc);
  } else panel?.detach();
  attach(m);
  if (dbg) panel!.start();
}

/** The debug information after a debug image's ELF bytes, or undefined (a plain image). */
function debugInfoOf(bytes: Uint8Array): { kbc: KbcModule; carried: Carried } | undefined {
  try { return readTrailer(bytes, "kernel.elf"); } catch { return undefined; }
}

/** Wires a booted machine to the terminal, the stages and the heap map (synchronously: it already runs). */
function attach(m: Machine): void {
  machine = m;
  halted = false;
  m.onSerial((bytes) => {
    if (machine !== m) return;
    term.write(bytes);
    const text = String.fromCharCode(...bytes);
    const before = progress.prompted;
    progress.serial(text);
    if (!before && progress.prompted) {
      promptMs = performance.now();
      setStatus(`${about()} · at the prompt ${progress.stages[progress.stages.length - 1].ms} ms after the boot began`);
    }
    heapSoon(HEAP_AFTER_OUTPUT_MS);
  });
  void m.exited.then((code) => {
    if (machine !== m) return;
    halted = true;
    if (code !== 0) progress.fail(`the guest exited with code ${code}`);
    setStatus(`the guest exited with code ${code}${code === 3 ? " (panic)" : ""}: Reboot starts it again`, code !== 0);
  });
  setStatus(about());
  heapSoon(0);
}

/**
 * Reads and (when it changed) redraws the heap map after `ms`, and every HEAP_POLL_MS after that.
 * A read already due sooner stands: steady serial output must not keep postponing it.
 */
function heapSoon(ms: number): void {
  const due = performance.now() + ms;
  if (heapTimer !== undefined && heapDue <= due) return;
  clearTimeout(heapTimer);
  heapDue = due;
  heapTimer = setTimeout(() => {
    heapTimer = undefined;
    if (halted) return;
    heap.update(machine?.heapMap());
    heapSoon(HEAP_POLL_MS);
  }, ms);
}

function renderStages(): void {
  ui.stages.replaceChildren(...progress.stages.map((s) => {
    const li = document.createElement("li");
    li.className = `stage ${s.state}`;
    li.textContent = s.name;
    if (s.ms !== undefined) {
      const t = document.createElement("small");
      t.textContent = ` ${s.ms} ms`;
      li.append(t);
    }
    if (s.detail) li.title = s.detail;
    return li;
  }));
}

/** The status line; `bad` shows it in the error colour (a panic, a failed boot). */
function setStatus(text: string, bad = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle("bad", bad);
}

/** The running kernel in a few words, for the status line. */
function about(): string { return `build ${image?.version ?? "?"} of ${build.entry} · ${MEMORY_MB} MiB`; }

/** Shows or hides the one-line build error (the running kernel stays). */
function showBuildError(error: string): void {
  ui.error.hidden = !error;
  ui.error.textContent = error ? `build error: ${error} (still running build ${image?.version ?? "?"})` : "";
}

/** A rebuild was announced: show its error, or boot its image. */
async function onBuild(): Promise<void> {
  build = await loadBuild();
  showBuildError(build.error);
  if (!build.error && build.version !== image?.version) await reboot();
}

/** esbuild's live-reload events (see the header). */
function listenForRebuilds(): void {
  const events = new EventSource("/esbuild");
  events.addEventListener("change", (e) => {
    const c = JSON.parse((e as MessageEvent<string>).data) as { added: string[]; removed: string[]; updated: string[] };
    const files = [...c.added, ...c.removed, ...c.updated].filter((f) => !f.endsWith(".map"));
    if (files.some((f) => f !== "/build.js")) location.reload();
    else if (files.includes("/build.js")) void onBuild();
  });
}

window.kt = {
  text: terminalText,
  heapMap: () => machine?.heapMap(),
  stages: () => progress.stages,
  prompted: () => progress.prompted,
  build: () => build,
  boots: () => boots,
  redraws: () => heap.redraws,
  promptMs: () => promptMs,
  blockAt: (x, y) => heap.blockAt(x, y),
  debug: () => panel?.view(),
  playground: () => playground,
};

/** Opens (the first time: loads) the playground; closes it again. */
async function togglePlayground(): Promise<void> {
  ui.playground.hidden = !ui.playground.hidden;
  if (ui.playground.hidden || playground) return;
  setStatus("loading the playground…");
  try {
    const url = new URL("playground.js", location.href).href;
    const mod = (await import(url)) as typeof import("./playground.ts");
    playground = await mod.openPlayground({
      async boot(bytes, label) { built = { bytes, label, debug: debugInfoOf(bytes) }; await reboot(); },
    });
    setStatus(about());
  } catch (e) {
    ui.playground.hidden = true;
    setStatus(`the playground did not load: ${(e as Error).message}`, true);
  }
}

ui.reboot.addEventListener("click", () => { void reboot(); term.focus(); });
ui.playgroundToggle.addEventListener("click", () => { void togglePlayground(); });
ui.canvas.addEventListener("mousemove", (e) => {
  const hit = heap.blockAt(e.offsetX, e.offsetY);
  ui.canvas.title = hit ? describeBlock(hit.heap, hit.block) : "";
});
heap.update(undefined);
void (async () => {
  build = await loadBuild();
  // Served by kt web: rebuilds arrive on esbuild's stream. A static site (kt web --out) has none.
  if (build.live) listenForRebuilds();
  showBuildError(build.error);
  await reboot();
})();
