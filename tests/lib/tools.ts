// Tests that need a tool npm cannot install (QEMU, SeaBIOS, Chromium, gcc for i386): on a user's
// machine without it they are left out with the reason printed; in CI (.ci/run installs them all)
// its absence is an error, so nothing is left out there.

/** A tool some checks need: what it is, whether it is here, how to install it, what is left out. */
export interface Tool { name: string; present: boolean; install: string; checks: string }

/** Whether to run `suite`'s checks that need `tool` (see the header). */
export function toolChecks(suite: string, tool: Tool): boolean {
  if (tool.present) return true;
  if (process.env.CI) throw new Error(`CI must have ${tool.name} (see .ci/run: ${tool.install})`);
  console.log(`${suite}: ${tool.name} is not installed; its ${tool.checks} are left out (${tool.install})`);
  return false;
}
