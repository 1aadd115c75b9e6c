import { z } from "zod";
import { resourcesSchema } from "../configPrimitives";

// Per-environment sizing for each observability system. Staging is single-instance; production is HA.
const workloadSizing = z.strictObject({
  replicas: z.number().int().min(1),
  resources: resourcesSchema,
});

export const observabilitySchema = z.strictObject({
  enabled: z.boolean().default(true),
  jaeger: workloadSizing.extend({
    storage: z.enum(["memory", "badger"]),
    volumeSize: z.string().default("10Gi"),
  }),
  prometheus: workloadSizing.extend({ retention: z.string().regex(/^[0-9]+(d|h|w)$/), volumeSize: z.string() }),
  kafka: workloadSizing.extend({
    partitions: z.number().int().min(1),
    replicationFactor: z.number().int().min(1),
    minInsyncReplicas: z.number().int().min(1),
    retentionHours: z.number().int().min(1).default(168),
    volumeSize: z.string(),
  }),
  elasticsearch: workloadSizing.extend({
    volumeSize: z.string(),
    heap: z.string().regex(/^[0-9]+[mg]$/),
    deleteAfterDays: z.number().int().min(1),
  }),
  kibana: workloadSizing,
  vectorAgent: z.strictObject({ resources: resourcesSchema }),
  vectorAggregator: workloadSizing,
});
export type ObservabilityConfig = z.infer<typeof observabilitySchema>;
