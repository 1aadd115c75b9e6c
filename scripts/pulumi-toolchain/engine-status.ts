import * as path from "node:path";
import { probeEngine } from "./engineStatus";

/**
 * Prints whether `pulumi up -s local` can run here and why, and exits 0 only if it can
 * (scripts/local.sh and CI choose their path with it). `--json` prints the whole status.
 */
const status = probeEngine(path.resolve(__dirname, "..", ".."));
console.log(process.argv.includes("--json") ? JSON.stringify(status) : status.reason);
process.exit(status.ready ? 0 : 1);
