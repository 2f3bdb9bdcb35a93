// Runs the real `kt` command (emulator/bin/kt.js) as a user would, capturing bytes and exit code.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../../toolchain/asc.ts";

export interface KtResult { code: number; stdout: string; stderr: string }

export function kt(args: string[], opts: { cwd?: string; input?: string } = {}): KtResult {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "emulator/bin/kt.js"), ...args], {
    cwd: opts.cwd ?? REPO_ROOT, input: opts.input ?? "", encoding: "latin1", timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
