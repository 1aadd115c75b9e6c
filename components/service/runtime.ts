import type { ServiceConfig } from "../configSchema";
import type { Runtime, WorkloadContract } from "./workloadSchema";
import { parseQuantity } from "../k8s/quantity";

/**
 * Share of the container's memory limit given to V8's old generation. The rest is for what V8 does not count
 * there: code, the young generation (24 MiB with the 8 MiB semi-space below), buffers and the runtime itself.
 * Without a flag V8 sizes its heap from the node's memory, not the container's limit, and the pod is OOM-killed
 * before the GC works hard. Measured by `npm --prefix app run bench:app` with these flags for a 256Mi limit:
 * 119-135 MiB RSS after saturating load, tracing off to tracing every request.
 */
const HEAP_SHARE_OF_MEMORY_LIMIT = 0.5;

/** The young generation's semi-space, in MiB: both its upper and its lower bound (see nodeHeapFlags). */
const SEMI_SPACE_MIB = 8;

function maxOldSpaceMiB(config: Pick<ServiceConfig, "resources">): number {
  return Math.floor((parseQuantity(config.resources.limits.memory) * HEAP_SHARE_OF_MEMORY_LIMIT) / 2 ** 20);
}

/**
 * V8 heap flags for the container: the old generation bounded as above, and a young generation fixed at an 8 MiB
 * semi-space.
 * - 8, not V8's 16: measured side by side by the benchmark, 4 MiB cost 12% more CPU per request than 8 (Node's
 *   per-request objects are promoted and collected more often); 16 was no better than 8, for a young generation
 *   of 48 MiB instead of 24.
 * - Fixed, not only bounded: V8 shrinks the young generation while a process is idle and grows it back only
 *   slowly. After a minute without traffic the service ran 6.7 scavenges per 1,000 requests instead of 2.0, and
 *   still 5.2 fifteen seconds into the load; with the lower bound it stays at 2.0 (docs/benchmarks.md). A pod
 *   is idle whenever its traffic is, so this is the steady state the limit is sized for anyway.
 * Command-line flags, not NODE_OPTIONS: Node refuses `--min-semi-space-size` there.
 */
export function nodeHeapFlags(config: Pick<ServiceConfig, "resources">): string[] {
  return [`--max-old-space-size=${maxOldSpaceMiB(config)}`, `--max-semi-space-size=${SEMI_SPACE_MIB}`, `--min-semi-space-size=${SEMI_SPACE_MIB}`];
}

/**
 * The JVM's heap as a share of the container's memory limit (it reads the cgroup limit itself). Its default
 * is 25%, which leaves most of the limit unused; 75% leaves the rest for metaspace, thread stacks, the code
 * cache and direct buffers, the share the JVM's own container guidance starts from.
 */
const JVM_MAX_RAM_PERCENTAGE = 75;

/** The flags a runtime profile adds: on the command line, or in an environment variable its runtime reads. */
export interface RuntimeSettings {
  /** The command with the flags in it; unset, the configured command (or the image's) runs as it is. */
  command?: string[];
  /** Variables set on the container (not the ConfigMap: they follow its memory limit, which only the pod spec has). */
  env: Record<string, string>;
}

/** The variable each runtime reads its flags from, so the config may not set it as well. */
export const RUNTIME_ENV: Record<Exclude<Runtime, "none">, string> = { node: "NODE_OPTIONS", jvm: "JAVA_TOOL_OPTIONS" };

const isNode = (executable: string | undefined): executable is string => executable !== undefined && (executable === "node" || executable.endsWith("/node"));

/**
 * What the runtime profile derives from the memory limit.
 * - node: when the command runs `node` itself, the heap flags go right after it, all three. Otherwise (the
 *   image's own entrypoint, or a launcher) they go in NODE_OPTIONS, which Node reads however it is started,
 *   without `--min-semi-space-size`, which Node refuses there: the young generation is then bounded, not fixed.
 * - jvm: JAVA_TOOL_OPTIONS, which every JVM reads at start whatever launches it.
 * - none: nothing; the runtime sizes itself or needs no flags (Go, Python, Rust).
 */
export function runtimeSettings(contract: Pick<WorkloadContract, "runtime" | "command">, resources: Pick<ServiceConfig, "resources">): RuntimeSettings {
  switch (contract.runtime) {
    case "node": {
      const flags = nodeHeapFlags(resources);
      const [executable, ...rest] = contract.command ?? [];
      if (isNode(executable)) return { command: [executable, ...flags, ...rest], env: {} };
      return { env: { [RUNTIME_ENV.node]: flags.filter((flag) => !flag.startsWith("--min-semi-space-size=")).join(" ") } };
    }
    case "jvm":
      return { env: { [RUNTIME_ENV.jvm]: `-XX:MaxRAMPercentage=${JVM_MAX_RAM_PERCENTAGE}.0` } };
    case "none":
      return { env: {} };
  }
}
