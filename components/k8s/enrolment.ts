import type { LabelPeer } from "./network";

/**
 * The enrolment contract between a workload and the platform's observability, in one place. A pod carrying
 * ENROLMENT_LABEL in a namespace carrying it too is admitted by Jaeger's and Prometheus's NetworkPolicies and
 * found by Prometheus's discovery, so a service from another project (deployed with ProductionService) is
 * traced and scraped without the platform knowing its name. `podTemplateMetadata` (objectMeta.ts) is the only
 * writer of the label and the scrape annotations on a pod; Prometheus's config reads the same names.
 */
export const ENROLMENT_LABEL = "observability.blueprint.io/enrolled";
export const ENROLLED = { [ENROLMENT_LABEL]: "true" } as const;

/** Every enrolled pod in every enrolled namespace. */
export const ENROLLED_WORKLOADS: LabelPeer = { namespaceLabels: { ...ENROLLED }, podLabels: { ...ENROLLED } };

/** The enrolment as a Kubernetes label selector string, for Prometheus's server-side discovery filter. */
export const ENROLMENT_SELECTOR = `${ENROLMENT_LABEL}=true`;

/**
 * The container port Prometheus scrapes on an enrolled service, by name: each service listens on its own
 * number, and a NetworkPolicy can name the port instead of listing every number.
 */
export const METRICS_PORT_NAME = "http";

/**
 * Every port name Prometheus's NetworkPolicy admits on enrolled pods: `http` for a service that serves
 * /metrics beside its API, `metrics` for one that serves it on a port of its own.
 */
export const SCRAPE_PORT_NAMES = [METRICS_PORT_NAME, "metrics"] as const;

/** The annotations Prometheus's pod discovery keeps a target by and reads its port and path from. */
export const SCRAPE_ANNOTATIONS = { scrape: "prometheus.io/scrape", port: "prometheus.io/port", path: "prometheus.io/path" } as const;

/** Where a pod serves its metrics. */
export interface ScrapeTarget {
  port: number;
  path: string;
}

export function scrapeAnnotations(target: ScrapeTarget): Record<string, string> {
  return { [SCRAPE_ANNOTATIONS.scrape]: "true", [SCRAPE_ANNOTATIONS.port]: String(target.port), [SCRAPE_ANNOTATIONS.path]: target.path };
}
