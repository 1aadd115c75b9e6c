/**
 * npm run cluster -- up | down | status: the local Kubernetes cluster the main job and the engine tests
 * deploy to (scripts/lib/localCluster.ts). `up` builds what is missing first.
 */
import * as path from "node:path";
import { clusterDown, clusterPaths, clusterStatus, clusterUp } from "./lib/localCluster";
import { commandLine, defineCommand, USAGE_ERROR, usageText } from "./lib/usage";

export const CLUSTER_COMMAND = defineCommand({
  command: "npm run cluster --",
  summary: "Starts, stops or reports the local Kubernetes cluster (kwokctl, binary runtime, 127.0.0.1 only); `up` builds what is missing first.",
  doc: "docs/local-cluster.md",
  options: {},
  positionals: { synopsis: "up | down | status", help: "up: build what is missing and start it; down: stop and delete it; status: report it (exit 1 when not running)", count: 1 },
});

async function main(command: string | undefined): Promise<number> {
  const paths = clusterPaths(path.resolve(__dirname, ".."));
  const log = (line: string) => console.log(line);
  switch (command) {
    case "up":
      await clusterUp(paths, log);
      return 0;
    case "down":
      clusterDown(paths, log);
      return 0;
    case "status": {
      const status = await clusterStatus(paths);
      console.log(status.reason);
      for (const node of status.nodes) console.log(`  node ${node.name} (${node.zone ?? "no zone"}): ${node.ready ? "Ready" : "NotReady"}`);
      return status.running ? 0 : 1;
    }
    default:
      console.error(`cluster: unknown command '${command}'\n\n${usageText(CLUSTER_COMMAND)}`);
      return USAGE_ERROR;
  }
}

main(commandLine(CLUSTER_COMMAND).positionals[0]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`cluster: ${(error as Error).message}`);
    process.exit(1);
  },
);
