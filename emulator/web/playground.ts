// The playground (loaded by the page only when opened: emulator/web/main.ts imports playground.js
// then): an editor (CodeMirror 6) over the kernel's own kernel-ts sources, which came with the
// site (kernel-sources.json), and "Build & boot": the sources as edited are built in a Web Worker
// (playground-worker.ts: asc, the translator, the verifier, the image linker) and the page reboots
// into the new kernel. A build error is shown at its line (and listed) and the running kernel
// stays. Edits persist in localStorage until Reset; Download saves the file shown.

import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import type { BuildError, BuildReply, BuildRequest } from "./playground-worker.ts";

/** What the page gives the playground. */
export interface PlaygroundHost {
  /** Reboots the machine into this image (the playground's build). */
  boot(elf: Uint8Array, label: string): Promise<void>;
}

/** What the test hook reads (window.kt.playground()). */
export interface PlaygroundView {
  file: string;
  status: string;
  building: boolean;
  builds: number;
  errors: BuildError[];
  /** Files whose text differs from the shipped sources. */
  edited: string[];
  /** The text of a file as it stands in the editor. */
  text(file: string): string | undefined;
  /** Replaces the first `from` in `file` with `to`, as typing it would (for tests). */
  edit(file: string, from: string, to: string): boolean;
  /** ms from Build & boot to the image's boot (the build in the worker included) of the last build. */
  buildMs?: number;
  /** The compiler has loaded in the worker (it starts loading when the playground opens). */
  ready: boolean;
}

const KEY = "kt-playground/v1/";
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export async function openPlayground(host: PlaygroundHost): Promise<PlaygroundView> {
  const r = await fetch("kernel-sources.json");
  if (!r.ok) throw new Error(`kernel-sources.json: HTTP ${r.status}`);
  const shipped = (await r.json()) as { entry: string; files: Record<string, string> };
  const files = Object.keys(shipped.files).sort();
  const ui = {
    file: $<HTMLSelectElement>("pg-file"), build: $<HTMLButtonElement>("pg-build"), reset: $<HTMLButtonElement>("pg-reset"),
    download: $<HTMLButtonElement>("pg-download"), status: $<HTMLSpanElement>("pg-status"), errors: $<HTMLUListElement>("pg-errors"),
    editor: $<HTMLDivElement>("pg-editor"),
  };
  const stored = (f: string) => { try { return localStorage.getItem(KEY + f); } catch { return null; } };
  const states = new Map<string, EditorState>();
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  let current = files.includes("shell/shell.ts") ? "shell/shell.ts" : shipped.entry;
  let errors: BuildError[] = [];
  let building = false, builds = 0, status = "", buildMs: number | undefined;

  const save = () => {
    for (const f of states.keys()) {
      const text = f === current ? view.state.doc.toString() : states.get(f)!.doc.toString();
      try { if (text === shipped.files[f]) localStorage.removeItem(KEY + f); else localStorage.setItem(KEY + f, text); } catch { /* storage full or off: edits last this page's life */ }
    }
  };
  const extensions = [basicSetup, javascript({ typescript: true }), lintGutter(),
    EditorView.updateListener.of((u) => { if (u.docChanged) { clearTimeout(saveTimer); saveTimer = setTimeout(save, 150); } })];
  const stateOf = (f: string) => {
    let st = states.get(f);
    if (!st) { st = EditorState.create({ doc: stored(f) ?? shipped.files[f] ?? "", extensions }); states.set(f, st); }
    return st;
  };
  const view = new EditorView({ state: stateOf(current), parent: ui.editor });
  const text = (f: string) => (f === current ? view.state.doc.toString() : stateOf(f).doc.toString());

  const setStatus = (s: string, bad = false) => { status = s; ui.status.textContent = s; ui.status.classList.toggle("bad", bad); };
  const show = (f: string) => {
    states.set(current, view.state);
    current = f;
    ui.file.value = f;
    view.setState(stateOf(f));
    markErrors();
  };
  /** The errors of the file shown, at their lines (the rest are in the list). */
  const markErrors = () => {
    const doc = view.state.doc;
    const diags: Diagnostic[] = errors.filter((e) => e.file === current && e.line >= 1 && e.line <= doc.lines).map((e) => {
      const line = doc.line(e.line);
      const from = Math.min(line.from + Math.max(e.col - 1, 0), line.to);
      return { from, to: Math.max(from, line.to), severity: "error", message: e.message };
    });
    view.dispatch(setDiagnostics(view.state, diags));
  };
  const listErrors = () => {
    ui.errors.replaceChildren(...errors.map((e) => {
      const li = document.createElement("li");
      li.textContent = e.file ? `${e.file}:${e.line}:${e.col}: ${e.message}` : e.message;
      if (e.file && files.includes(e.file)) li.addEventListener("click", () => { show(e.file); const l = view.state.doc.line(Math.min(e.line, view.state.doc.lines)); view.dispatch({ selection: { anchor: l.from }, scrollIntoView: true }); view.focus(); });
      return li;
    }));
    ui.errors.hidden = errors.length === 0;
  };

  ui.file.replaceChildren(...files.map((f) => new Option(f, f)));
  ui.file.value = current;
  ui.file.addEventListener("change", () => show(ui.file.value));

  // The build worker starts loading the compiler now, while the user edits.
  let worker: Worker | undefined = new Worker(new URL("playground-worker.js", import.meta.url), { type: "module" });
  let ready = false;
  worker.addEventListener("message", (e: MessageEvent<{ ready?: boolean; ms?: number }>) => {
    if (!e.data.ready) return;
    ready = true;
    if (!building && !errors.length && !builds) setStatus(`${status} · the compiler loaded in ${Math.round(e.data.ms ?? 0)} ms`);
  });
  worker.postMessage({ warm: true });
  let nextId = 1;
  const build = async () => {
    if (building) return;
    building = true;
    ui.build.disabled = true;
    const t0 = performance.now();
    setStatus("building…");
    worker ??= new Worker(new URL("playground-worker.js", import.meta.url), { type: "module" });
    const sources = Object.fromEntries(files.map((f) => [f, text(f)]));
    const id = nextId++;
    const reply = await new Promise<BuildReply>((resolve, reject) => {
      const w = worker!;
      const onMessage = (e: MessageEvent<BuildReply>) => { if (e.data.id !== id) return; w.removeEventListener("message", onMessage); resolve(e.data); };
      w.addEventListener("message", onMessage);
      w.onerror = (e) => reject(new Error(`the build worker failed: ${e.message}`));
      w.postMessage({ id, sources, entry: shipped.entry } satisfies BuildRequest);
    }).catch((e: Error) => ({ id, ok: false as const, errors: [{ file: "", line: 0, col: 0, message: e.message }], text: e.message }));
    building = false;
    ui.build.disabled = false;
    if (!reply.ok) {
      errors = reply.errors;
      const first = errors[0];
      setStatus(`build failed${first?.file ? ` at ${first.file}:${first.line}` : ""}: the running kernel stays`, true);
      if (first?.file && files.includes(first.file) && first.file !== current) show(first.file); else markErrors();
      listErrors();
      // The first error of the file shown, in view.
      const here = errors.find((e) => e.file === current && e.line >= 1 && e.line <= view.state.doc.lines);
      if (here) view.dispatch({ selection: { anchor: view.state.doc.line(here.line).from }, scrollIntoView: true });
      return;
    }
    errors = [];
    markErrors();
    listErrors();
    builds++;
    await host.boot(reply.elf, `playground build ${builds}`);
    buildMs = Math.round(performance.now() - t0);
    setStatus(`built in ${Math.round(reply.ms)} ms; booted build ${builds}`);
  };
  ui.build.addEventListener("click", () => { void build(); });
  ui.reset.addEventListener("click", () => {
    for (const f of files) { try { localStorage.removeItem(KEY + f); } catch { /* nothing stored */ } }
    states.clear();
    errors = [];
    view.setState(stateOf(current));
    markErrors(); listErrors();
    setStatus("reset to the shipped sources");
  });
  ui.download.addEventListener("click", () => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text(current)], { type: "text/plain" }));
    a.download = current.slice(current.lastIndexOf("/") + 1);
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  const edited = files.filter((f) => (stored(f) ?? shipped.files[f]) !== shipped.files[f]);
  setStatus(edited.length ? `your edits of ${edited.join(", ")} (kept in this browser; Reset restores the shipped sources)` : "edit the kernel's sources, then Build & boot");

  return {
    get file() { return current; },
    get status() { return status; },
    get building() { return building; },
    get builds() { return builds; },
    get errors() { return errors; },
    get buildMs() { return buildMs; },
    get ready() { return ready; },
    get edited() { return files.filter((f) => text(f) !== shipped.files[f]); },
    text: (f) => (files.includes(f) ? text(f) : undefined),
    edit(f, from, to) {
      if (!files.includes(f)) return false;
      if (f !== current) show(f);
      const at = view.state.doc.toString().indexOf(from);
      if (at < 0) return false;
      view.dispatch({ changes: { from: at, to: at + from.length, insert: to } });
      return true;
    },
  };
}
