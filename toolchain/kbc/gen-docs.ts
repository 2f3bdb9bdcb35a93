// npm run gen:docs — rewrites the generated opcode list in docs/kbc.md.
import fs from "node:fs";
import { updateDoc } from "./docs.ts";

const file = "docs/kbc.md";
fs.writeFileSync(file, updateDoc(fs.readFileSync(file, "utf8")));
console.log(`${file}: opcode list regenerated`);
