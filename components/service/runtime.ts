import type { ServiceConfig } from "../configSchema";
import { parseQuantity } from "../k8s/quantity";

/** The image's entry point (app/Dockerfile: WORKDIR /app, CMD ["node", "dist/src/main.js"]). */
export const SERVICE_ENTRY = "dist/src/main.js";

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

/** The container's command: the image's own, with the heap flags for this pod's memory limit. */
export function serviceCommand(config: Pick<ServiceConfig, "resources">): string[] {
  return ["node", ...nodeHeapFlags(config), SERVICE_ENTRY];
}
