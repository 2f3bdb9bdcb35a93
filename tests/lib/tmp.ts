// Temporary program files for tests: programs live outside the repository, as users' would.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-test-"));

/** Writes `source` to <tmp>/<name> and returns the absolute path. */
export function writeProgram(name: string, source: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, source);
  return file;
}
