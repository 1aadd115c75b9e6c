import type { LabelPeer } from "../k8s/network";

/**
 * The label that enrols a workload in the platform's observability: on a namespace it means "workloads here
 * may be observed", on a pod "this pod sends traces and is scraped". Jaeger's and Prometheus's
 * NetworkPolicies and Prometheus's discovery select on it, so a service from another project (deployed with
 * ProductionService) is admitted without the platform knowing its name.
 */
export const ENROLMENT_LABEL = "observability.blueprint.io/enrolled";
export const ENROLLED = { [ENROLMENT_LABEL]: "true" } as const;

/**
 * The container port Prometheus scrapes on an enrolled pod, by name: each service listens on its own number,
 * and a NetworkPolicy can name the port instead of listing every number.
 */
export const METRICS_PORT_NAME = "http";

/** Every enrolled pod in every enrolled namespace. */
export const ENROLLED_WORKLOADS: LabelPeer = { namespaceLabels: { ...ENROLLED }, podLabels: { ...ENROLLED } };

/** The enrolment as a Kubernetes label selector string, for Prometheus's server-side discovery filter. */
export const ENROLMENT_SELECTOR = `${ENROLMENT_LABEL}=true`;
