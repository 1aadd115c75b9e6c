import { z } from "zod";
import { cidr, dnsLabel, quantity, resourcesSchema } from "../configPrimitives";
import { QUANTITY_PATTERN, parseQuantity } from "../k8s/quantity";

// The JVM's -Xmx units: m and g are binary (MiB, GiB).
function heapBytes(heap: string): number {
  return parseQuantity(heap.replace(/([mg])$/, (unit) => (unit === "g" ? "Gi" : "Mi")));
}

// Per-environment sizing for each observability system. Staging is single-instance; production is HA.
const workloadSizing = z.strictObject({
  replicas: z.number().int().min(1),
  resources: resourcesSchema,
});

// Pods allowed to open a UI. Empty (the default) leaves only `kubectl port-forward`, which no NetworkPolicy sees.
const uiAllowFrom = z.array(z.strictObject({ namespace: dnsLabel, podLabels: z.record(z.string(), z.string()) })).default([]);

// The API server is not a pod, so NetworkPolicy reaches it by address: the endpoints of `kubernetes.default`.
const apiServerSchema = z.strictObject({
  cidrs: z.array(cidr).min(1),
  ports: z.array(z.number().int().min(1).max(65535)).min(1).default([443, 6443]),
});

export const observabilitySchema = z.strictObject({
  enabled: z.boolean().default(true),
  jaeger: workloadSizing
    .extend({
      storage: z.enum(["memory", "badger"]),
      volumeSize: quantity.default("10Gi"),
      uiAllowFrom,
    })
    .refine((jaeger) => jaeger.replicas === 1, {
      path: ["replicas"],
      // A second pod would hold its own traces: the UI would show whichever pod answered.
      message: "must be 1: memory and badger storage keep the traces inside one pod",
    }),
  prometheus: workloadSizing.extend({
    retention: z.string().regex(/^[0-9]+(d|h|w)$/),
    volumeSize: quantity,
    uiAllowFrom,
    apiServer: apiServerSchema,
    // Where alert links point (e.g. the repo's docs/runbooks on your git host); unset, they are repo-relative paths.
    runbookBaseUrl: z.url().optional(),
  }),
  kafka: workloadSizing
    .extend({
      partitions: z.number().int().min(1),
      replicationFactor: z.number().int().min(1),
      minInsyncReplicas: z.number().int().min(1),
      retentionHours: z.number().int().min(1).default(168),
      volumeSize: quantity,
    })
    // A topic cannot have more replicas than brokers, nor demand more in-sync replicas than it has.
    .refine((kafka) => kafka.replicationFactor <= kafka.replicas, { path: ["replicationFactor"], message: "must not exceed replicas (the broker count)" })
    .refine((kafka) => kafka.minInsyncReplicas <= kafka.replicationFactor, { path: ["minInsyncReplicas"], message: "must not exceed replicationFactor" }),
  elasticsearch: workloadSizing
    .extend({
      volumeSize: quantity,
      heap: z.string().regex(/^[0-9]+[mg]$/),
      deleteAfterDays: z.number().int().min(1),
    })
    // Two master-eligible nodes cannot lose one and keep a quorum: run one, or three and more.
    .refine((es) => es.replicas !== 2, { path: ["replicas"], message: "must be 1 or at least 3: two nodes cannot elect a master after losing one" })
    // The JVM heap plus off-heap buffers must fit the memory limit, or the kernel kills the node.
    .refine((es) => !QUANTITY_PATTERN.test(es.resources.limits.memory) || heapBytes(es.heap) <= 0.75 * parseQuantity(es.resources.limits.memory), {
      path: ["heap"],
      message: "must be at most 75% of resources.limits.memory (the rest is off-heap memory)",
    }),
  kibana: workloadSizing.extend({ uiAllowFrom }),
  vectorAgent: z.strictObject({ resources: resourcesSchema }),
  vectorAggregator: workloadSizing,
});
export type ObservabilityConfig = z.infer<typeof observabilitySchema>;
