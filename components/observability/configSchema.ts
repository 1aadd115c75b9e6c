import { z } from "zod";
import { cidr, dnsLabel, hostCidr, hostname, quantity, resourcesSchema } from "../configPrimitives";
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

// The API server is not a pod, so NetworkPolicy reaches it by address: the endpoints of `kubernetes.default`
// (`kubectl get endpoints kubernetes -n default`), each one address, and the port they listen on. No default
// and no ranges: a guess such as 10.0.0.0/8 would open every pod and node on those ports.
const apiServerSchema = z.strictObject({
  cidrs: z.array(hostCidr).min(1),
  ports: z.array(z.number().int().min(1).max(65535)).min(1),
});

// kube-state-metrics: every replica watches the same objects and serves the same series, so Prometheus may
// scrape whichever the Service picks; a second replica keeps the series while one is drained. Small by
// default: it holds the watched objects, not time series.
const KUBE_STATE_METRICS_RESOURCES = {
  requests: { cpu: "20m", memory: "64Mi", ephemeralStorage: "16Mi" },
  limits: { cpu: "200m", memory: "256Mi", ephemeralStorage: "64Mi" },
};
const kubeStateMetricsSchema = z
  .strictObject({ replicas: z.number().int().min(1).default(1), resources: resourcesSchema.default(KUBE_STATE_METRICS_RESOURCES) })
  .default({ replicas: 1, resources: KUBE_STATE_METRICS_RESOURCES });

// The kubelets (cAdvisor's container metrics) are not pods either: the nodes' addresses, as ranges (a node
// subnet), and the kubelet's port. Unset, Prometheus does not scrape cAdvisor: no container CPU or memory.
// 0.0.0.0/0 would open every address on that port, so a range must name a network.
const kubeletSchema = z.strictObject({
  cidrs: z.array(cidr.refine((value) => !/\/0$/.test(value), "expected the nodes' subnet, not every address (/0)")).min(1),
  port: z.number().int().min(1).max(65535).default(10250),
});

// A key of the receivers' Secret, mounted as a file of that name.
const secretKey = z.string().regex(/^[A-Za-z0-9._-]{1,253}$/, "expected a Secret key such as pagerduty-routing-key");
const receiverSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("pagerduty"), secretKey }),
  z.strictObject({ kind: z.literal("slack"), channel: z.string().min(1), secretKey }),
  z.strictObject({ kind: z.literal("webhook"), url: z.url({ protocol: /^https?$/ }), secretKey: secretKey.optional() }),
]);

// Where Alertmanager may send notifications: by default the public internet on 443 and nothing inside the
// cluster's private ranges. Narrow it to an egress proxy or the receivers' published ranges where you can.
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const receiverEgressSchema = z
  .strictObject({ cidrs: z.array(cidr).min(1), except: z.array(cidr).default(PRIVATE_RANGES), ports: z.array(z.number().int().min(1).max(65535)).min(1) })
  .default({ cidrs: ["0.0.0.0/0"], except: PRIVATE_RANGES, ports: [443] });

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
    kubeStateMetrics: kubeStateMetricsSchema,
    kubelet: kubeletSchema.optional(),
    // Where every alert's runbook_url points: the docs/runbooks directory as your git host or wiki serves it.
    // Absolute, so the link works from a phone at 3 am, not only from a checkout.
    runbookBaseUrl: z.url({ protocol: /^https?$/, error: "expected an absolute http(s) URL of the docs/runbooks directory" }).transform((url) => url.replace(/\/+$/, "")),
  }),
  alertmanager: workloadSizing.extend({
    volumeSize: quantity.default("1Gi"),
    // An existing Secret holding the receivers' credentials (created outside Pulumi, so they never enter state).
    receiversSecret: dnsLabel.default("alertmanager-receivers"),
    receivers: z.strictObject({ critical: receiverSchema, warning: receiverSchema }),
    receiverEgress: receiverEgressSchema,
    uiAllowFrom,
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
  grafana: workloadSizing
    .extend({
      // Off: no Grafana objects at all, and no Elasticsearch user for it.
      enabled: z.boolean().default(true),
      uiAllowFrom,
      // Grafana behind the cluster's ingress controller, over TLS only: its sign-in form posts a password.
      ingress: z.strictObject({ host: hostname, className: z.string().min(1).default("nginx"), tlsSecretName: dnsLabel }).optional(),
    })
    // The NetworkPolicy admits only uiAllowFrom: without the controller's pods there, the Ingress would lead nowhere.
    .refine((grafana) => grafana.ingress === undefined || grafana.uiAllowFrom.length > 0, {
      path: ["uiAllowFrom"],
      message: "must list the ingress controller's pods when ingress is set (the NetworkPolicy admits nobody else)",
    })
    .refine((grafana) => grafana.replicas === 1, {
      path: ["replicas"],
      // Grafana keeps sign-in sessions in its database; each pod's own SQLite would sign people out at random.
      message: "must be 1: each Grafana pod keeps sessions in its own SQLite database (docs/observability.md, Grafana)",
    }),
  vectorAgent: z.strictObject({ resources: resourcesSchema }),
  vectorAggregator: workloadSizing,
});
export type ObservabilityConfig = z.infer<typeof observabilitySchema>;
