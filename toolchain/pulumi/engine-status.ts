import * as path from "node:path";
import { probeEngine } from "./engineStatus";

/**
 * Prints whether `pulumi up -s local` can run here and why, then one line per stand-in plugin that will
 * run, and exits 0 only if it can (scripts/local.sh and CI choose their path with it). `--json` prints the
 * whole status instead.
 */
const status = probeEngine(path.resolve(__dirname, "..", ".."));
if (process.argv.includes("--json")) console.log(JSON.stringify(status));
else for (const line of [status.reason, ...status.standIns]) console.log(line);
process.exit(status.ready ? 0 : 1);
