import { spawnSync } from "node:child_process";

/** Whether amtool (Debian's prometheus-alertmanager package) is installed; toolchain/test-tools/install-alertmanager.sh installs it. */
export const AMTOOL = spawnSync("amtool", ["--version"]).status === 0;

/** In CI a missing tool is a failure, never a skip; on a workstation the test says it was skipped and why. */
export function requireAmtool(context: Mocha.Context): void {
  if (AMTOOL) return;
  if (process.env.CI === "true") throw new Error("amtool is not installed: run toolchain/test-tools/install-alertmanager.sh");
  console.log("      amtool not installed: skipped (run toolchain/test-tools/install-alertmanager.sh)");
  context.skip();
}

export function amtoolCheckConfig(file: string): { status: number | null; output: string } {
  const result = spawnSync("amtool", ["check-config", file], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
