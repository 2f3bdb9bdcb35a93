// What the debugger knows of a program beyond its kbc module: the names of each function's
// locals and of the globals, from the wasm name section (asc writes it: toolchain/asc.ts passes
// --debug), placed in kbc slots and global words as the translator places them
// (translate/func.ts localLayout, translate/module.ts globalWords). Host only.

import { readWasm } from "./wasm/reader.ts";
import { localLayout } from "./translate/func.ts";
import { globalWords } from "./translate/module.ts";

/** A named value: where it lives (a slot of the frame, or a global word) and its width in words. */
export interface DebugVar { name: string; at: number; w: 1 | 2; kind: "param" | "local" | "global" }

export interface DebugInfo {
  /** By kbc function index: its parameters and locals, in wasm local order. */
  locals: DebugVar[][];
  globals: DebugVar[];
}

/**
 * A name as the debugger shows it: asc's internal names lose their path (`kernel-ts/dev/pit/hz`
 * is `hz`; `~lib/...` and compiler temporaries keep theirs and are marked internal).
 */
export function shortName(name: string): string {
  return name.startsWith("~") ? name : name.slice(name.lastIndexOf("/") + 1);
}

/** Compiler temporaries and runtime internals: not shown among a frame's variables. */
export const isInternal = (name: string) => name.startsWith("~") || name.startsWith("$") || !/^[A-Za-z_][\w$]*$/.test(shortName(name));

export function debugInfo(wasm: Uint8Array): DebugInfo {
  const m = readWasm(wasm);
  const nImports = m.funcImports.length;
  const locals = m.bodies.map((body, i) => {
    const f = nImports + i;
    const type = m.types[m.funcTypes[f]];
    const names = m.localNames.get(f) ?? new Map<number, string>();
    return localLayout([...type.params, ...body.locals]).flatMap(({ slot, w }, k): DebugVar[] => {
      const name = names.get(k);
      return name === undefined ? [] : [{ name, at: slot, w, kind: k < type.params.length ? "param" : "local" }];
    });
  });
  const words = globalWords(m);
  const globals = m.globals.flatMap((g, i): DebugVar[] => {
    const name = m.globalNames.get(i);
    return name === undefined ? [] : [{ name, at: words[i], w: g.type === "i64" ? 2 : 1, kind: "global" }];
  });
  return { locals, globals };
}
