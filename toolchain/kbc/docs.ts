// Generates the opcode list of docs/kbc.md from the opcode table (between the GENERATED markers).
import { OPCODES } from "./opcodes.ts";

export const BEGIN = "<!-- BEGIN GENERATED OPCODES (npm run gen:docs) -->";
export const END = "<!-- END GENERATED OPCODES -->";

/** The markdown table of every opcode. */
export function opcodeTableMarkdown(): string {
  const rows = OPCODES.map((o, i) =>
    `| ${String(i).padStart(3)} | \`${o.name}\` | \`${o.format}\` | ${o.doc.replace(/\|/g, "\\|")}${o.intrinsic ? ` — implements \`${o.intrinsic}\`` : ""}${o.terminator ? " *(ends a block)*" : ""} |`);
  return ["| op | name | format | semantics |", "| --: | --- | --- | --- |", ...rows].join("\n");
}

/** Replaces the generated section of `doc`. Throws if the markers are missing. */
export function updateDoc(doc: string): string {
  const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error("docs/kbc.md: generated-section markers missing");
  return doc.slice(0, a + BEGIN.length) + "\n" + opcodeTableMarkdown() + "\n" + doc.slice(b);
}
