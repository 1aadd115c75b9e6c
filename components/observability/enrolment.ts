import { ENROLLED, ENROLMENT_LABEL } from "../k8s/labels";
import type { LabelPeer } from "../k8s/network";

/**
 * The container port Prometheus scrapes on an enrolled pod, by name: each service listens on its own number,
 * and a NetworkPolicy can name the port instead of listing every number.
 */
export const METRICS_PORT_NAME = "http";

/** Every enrolled pod in every enrolled namespace. */
export const ENROLLED_WORKLOADS: LabelPeer = { namespaceLabels: { ...ENROLLED }, podLabels: { ...ENROLLED } };

/** The enrolment as a Kubernetes label selector string, for Prometheus's server-side discovery filter. */
export const ENROLMENT_SELECTOR = `${ENROLMENT_LABEL}=true`;
