import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { type LintExemption, workloadExemptionAnnotations } from "../k8s/lintExemptions";
import { allowFlowsSpec, declareNetworkPolicy } from "../k8s/network";
import type { ResourcesConfig } from "../configPrimitives";
import { pdbSpec } from "../service/manifests";
import { ENROLLED } from "./enrolment";
import type { WorkloadFlows } from "./logPipelineFlows";
import { statefulSetReplacement } from "../k8s/statefulSetReplacement";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type ServicePort = k8s.types.input.core.v1.ServicePort;

/** Name, namespace and labels of one log-pipeline workload; every object of the workload shares them. */
export interface WorkloadIdentity {
  name: string;
  component: string;
  namespace: pulumi.Input<string>;
}

export function labelsOf(identity: WorkloadIdentity): Record<string, string> {
  return standardLabels(identity.name, identity.component);
}

export function metadataOf(identity: WorkloadIdentity, objectName: string = identity.name) {
  return { name: objectName, namespace: identity.namespace, labels: labelsOf(identity) };
}

/** A workload's metadata with its lint-exemption annotations (the digest one derived from its images). */
export function workloadMetadataOf(identity: WorkloadIdentity, podSpec: PodSpec, exemptions: LintExemption[] = []) {
  return { ...metadataOf(identity), annotations: workloadExemptionAnnotations(podSpec, exemptions) };
}

/** Its own ServiceAccount per workload; only those that call the Kubernetes API get a token (DESIGN §5). */
export function declareServiceAccount(identity: WorkloadIdentity, parent: pulumi.Resource, automountToken = false): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(`${identity.name}-sa`, { metadata: metadataOf(identity), automountServiceAccountToken: automountToken }, { parent });
}

/** The allow policy of one workload: exactly its entry in logPipelineFlows. */
export function declareFlowPolicy(identity: WorkloadIdentity, flows: WorkloadFlows, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy {
  return declareNetworkPolicy(
    `${identity.name}-netpol`,
    metadataOf(identity),
    allowFlowsSpec(flows.pods.podLabels, { ingress: flows.ingress, egress: flows.egress }),
    { parent },
  );
}

export function declarePdb(identity: WorkloadIdentity, parent: pulumi.Resource): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(`${identity.name}-pdb`, { metadata: metadataOf(identity), spec: pdbSpec(selectorLabels(identity.name)) }, { parent });
}

/** A ConfigMap holding a workload's config files (typed data already serialized). */
export function declareFilesConfigMap(identity: WorkloadIdentity, objectName: string, files: Record<string, string>, parent: pulumi.Resource): k8s.core.v1.ConfigMap {
  return new k8s.core.v1.ConfigMap(objectName, { metadata: metadataOf(identity, objectName), data: files }, { parent });
}

export interface ReplicatedDeploymentArgs {
  identity: WorkloadIdentity;
  replicas: number;
  podAnnotations: Record<string, string>;
  podSpec: PodSpec;
  lintExemptions?: LintExemption[];
}

/**
 * A stateless replicated Deployment (Kibana, the Vector aggregator) and its PDB. A new pod must be ready
 * before an old one goes (maxUnavailable 0), so a rollout never lowers capacity.
 */
export function declareReplicatedDeployment(args: ReplicatedDeploymentArgs, parent: pulumi.Resource, dependsOn: pulumi.Input<pulumi.Resource>[]): k8s.apps.v1.Deployment {
  const { identity } = args;
  const deployment = new k8s.apps.v1.Deployment(
    `${identity.name}-deployment`,
    {
      metadata: workloadMetadataOf(identity, args.podSpec, args.lintExemptions),
      spec: {
        replicas: args.replicas,
        selector: { matchLabels: selectorLabels(identity.name) },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: { metadata: podTemplateMetadata(identity, args.podAnnotations), spec: args.podSpec },
      },
    },
    { parent, dependsOn },
  );
  declarePdb(identity, parent);
  return deployment;
}

/** A stable digest of config data, put on a pod template so a change to the data rolls the pods. */
export function checksumOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/**
 * A pod template's metadata; scrape annotations only where the pod serves metrics, and then the enrolment
 * label too, which is what Prometheus's discovery selects on (its network flows are listed explicitly).
 */
export function podTemplateMetadata(identity: WorkloadIdentity, annotations: Record<string, string> = {}) {
  const scraped = annotations["prometheus.io/scrape"] === "true";
  return { labels: { ...labelsOf(identity), ...(scraped ? ENROLLED : {}) }, ...(Object.keys(annotations).length ? { annotations } : {}) };
}

// Setup Jobs and init containers are short JVM, curl or cp runs; a fixed small budget keeps them out of the sizing config.
export const ONE_SHOT_RESOURCES: ResourcesConfig = {
  requests: { cpu: "50m", memory: "256Mi", ephemeralStorage: "64Mi" },
  limits: { cpu: "500m", memory: "512Mi", ephemeralStorage: "256Mi" },
};

export interface StatefulClusterArgs {
  identity: WorkloadIdentity;
  replicas: number;
  headlessServiceName: string;
  ports: ServicePort[];
  /** The ports clients use through the ClusterIP Service (the headless one publishes all of `ports`). */
  clientPorts: ServicePort[];
  podSpec: PodSpec;
  podAnnotations?: Record<string, string>;
  volumeClaimTemplates: k8s.types.input.core.v1.PersistentVolumeClaim[];
  lintExemptions?: LintExemption[];
}

export interface StatefulCluster {
  statefulSet: k8s.apps.v1.StatefulSet;
  service: k8s.core.v1.Service;
  headlessService: k8s.core.v1.Service;
}

/**
 * A clustered StatefulSet (Kafka, Elasticsearch): a headless Service that gives each pod a stable DNS name
 * (published before readiness, so the members can find each other to form the cluster), a ClusterIP
 * Service for clients, and a PDB.
 */
export function declareStatefulCluster(args: StatefulClusterArgs, parent: pulumi.Resource): StatefulCluster {
  const { identity } = args;
  const selector = selectorLabels(identity.name);
  const headlessService = new k8s.core.v1.Service(
    `${args.headlessServiceName}-service`,
    {
      metadata: metadataOf(identity, args.headlessServiceName),
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: args.ports },
    },
    { parent },
  );
  const service = new k8s.core.v1.Service(
    `${identity.name}-service`,
    { metadata: metadataOf(identity), spec: { type: "ClusterIP", selector, ports: args.clientPorts } },
    { parent },
  );
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${identity.name}-statefulset`,
    {
      metadata: workloadMetadataOf(identity, args.podSpec, args.lintExemptions),
      spec: {
        replicas: args.replicas,
        serviceName: args.headlessServiceName,
        selector: { matchLabels: selector },
        // Members start together: a quorum (KRaft, Elasticsearch master election) needs a majority up at once.
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate" },
        // Data outlives a scale-down or a deleted StatefulSet; removing it is a deliberate, manual step.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: { metadata: podTemplateMetadata(identity, args.podAnnotations), spec: args.podSpec },
        volumeClaimTemplates: args.volumeClaimTemplates,
      },
    },
    statefulSetReplacement({ parent, dependsOn: [headlessService] }),
  );
  declarePdb(identity, parent);
  return { statefulSet, service, headlessService };
}
