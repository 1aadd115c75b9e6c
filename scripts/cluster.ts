/**
 * npm run cluster -- up | down | status: the local Kubernetes cluster the main job and the engine tests
 * deploy to (scripts/lib/localCluster.ts). `up` builds what is missing first.
 */
import * as path from "node:path";
import { clusterDown, clusterPaths, clusterStatus, clusterUp } from "./lib/localCluster";

async function main(): Promise<number> {
  const command = process.argv[2];
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
      console.error("usage: npm run cluster -- up | down | status");
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`cluster: ${(error as Error).message}`);
    process.exit(1);
  },
);
