import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { withResourceErrors } from "../resourceErrors";
import { declareClusterIpService, declarePdb, declareServiceAccount, headlessServiceName } from "./controllers";
import { selectorLabels } from "./labels";
import { type LintExemption, lintExemptionAnnotations } from "./lintExemptions";
import { type WorkloadFlows, declareFlowPolicy } from "./network";
import { type PodTemplateArgs, type WorkloadIdentity, metadataOf, podTemplateMetadata } from "./objectMeta";
import { type RunAs, type SecureContainerArgs, securePodSpec } from "./podSpec";
import { statefulSetReplacement } from "./statefulSetReplacement";

type ServicePort = k8s.types.input.core.v1.ServicePort;

/**
 * A stateless Deployment. A new pod must be ready before an old one goes (maxUnavailable 0), so a rollout
 * never lowers capacity. Without `replicas` the count belongs to an HPA: a value here would fight it on every
 * `pulumi up`.
 */
export interface DeploymentController {
  kind: "Deployment";
  replicas?: number;
}

/**
 * A StatefulSet holding one data volume per pod (the containers' claim mounts), governed by a headless Service
 * that publishes the pods' DNS names. Used even for one replica: a Deployment's rolling update would start the
 * new pod before the old one releases the ReadWriteOnce volume, and hang.
 */
export interface StatefulSetController {
  kind: "StatefulSet";
  replicas: number;
  /**
   * "OrderedReady" for a single-data workload (Jaeger, Prometheus); "Parallel" for members that form a
   * quorum (KRaft, Elasticsearch master election, Alertmanager gossip) and need a majority up at once.
   */
  podManagementPolicy: "OrderedReady" | "Parallel";
  /**
   * The headless Service's ports, for members that find each other by DNS; with them the pods' names are
   * published before readiness, so a cluster can form.
   */
  memberPorts?: ServicePort[];
}

/**
 * Members that form a quorum and find each other by DNS (KRaft, Elasticsearch master election, Alertmanager
 * gossip): started together, their names published before they are ready.
 */
export function quorumMembers(replicas: number, memberPorts: ServicePort[]): StatefulSetController {
  return { kind: "StatefulSet", replicas, podManagementPolicy: "Parallel", memberPorts };
}

/** One pod per node; a rollout replaces one node's pod at a time. */
export interface DaemonSetController {
  kind: "DaemonSet";
}

export type Controller = DeploymentController | StatefulSetController | DaemonSetController;

/** A ClusterIP Service in front of the workload's pods, named after the workload unless `name` says otherwise. */
export interface WorkloadService {
  name?: string;
  ports: ServicePort[];
}

export interface WorkloadArgs {
  identity: WorkloadIdentity;
  controller: Controller;
  runAs: RunAs;
  containers: SecureContainerArgs[];
  initContainers?: SecureContainerArgs[];
  /**
   * Mount the ServiceAccount token: only for a workload that calls the Kubernetes API. The ServiceAccount
   * itself never automounts, so the token shows on the pod spec that uses it.
   */
  apiToken?: boolean;
  terminationGracePeriodSeconds?: number;
  /**
   * "spread" over zones and nodes, "preferDifferentNodes" only (soft). Unset: spread when more than one
   * replica runs.
   */
  placement?: "spread" | "preferDifferentNodes" | "none";
  /** Metrics, checksums and annotations of the pod template. */
  template?: PodTemplateArgs;
  /** Annotations on the workload object itself, before its lint exemptions. */
  annotations?: Record<string, string>;
  lintExemptions?: LintExemption[];
  /**
   * A PodDisruptionBudget (maxUnavailable 1). Unset: every Deployment and StatefulSet has one; a DaemonSet
   * never (a drain evicts its pod anyway).
   */
  pdb?: boolean;
  /** ClusterIP Services in front of the pods. */
  services?: WorkloadService[];
  /** The workload's NetworkPolicy: exactly these flows. */
  flows?: WorkloadFlows;
  dependsOn?: pulumi.Resource[];
  /** The component that owns every object, and whose URN an error names. */
  parent: pulumi.Resource;
}

export interface Workload {
  serviceAccount: k8s.core.v1.ServiceAccount;
  controller: k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet | k8s.apps.v1.DaemonSet;
  /** By the `name` each was declared with (the workload's name when unset). */
  services: Record<string, k8s.core.v1.Service>;
  headlessService?: k8s.core.v1.Service;
}

function replicasOf(controller: Controller): number {
  return controller.kind === "DaemonSet" ? 1 : (controller.replicas ?? 2);
}

/**
 * Everything one long-running workload needs, the same way for every pod in the platform: its own
 * ServiceAccount, a "restricted" pod built from its containers (volumes collected from their mounts), the
 * Deployment, StatefulSet or DaemonSet, the PodDisruptionBudget, the ClusterIP Services and the flow policy.
 * Resource names derive from the workload's name: `<name>-sa`, `<name>-deployment`, `<name>-statefulset`,
 * `<name>-daemonset`, `<name>-pdb`, `<service>-service`, `<name>-netpol`.
 */
export function declareWorkload(args: WorkloadArgs): Workload {
  const { identity, controller, parent } = args;
  const serviceAccount = declareServiceAccount(identity, parent);
  const placement = args.placement ?? (replicasOf(controller) > 1 ? "spread" : "none");
  const selector = selectorLabels(identity.name);
  const { podSpec, claims } = withResourceErrors(parent, () => {
    const pod = securePodSpec({
      name: identity.name,
      containers: args.containers,
      ...(args.initContainers ? { initContainers: args.initContainers } : {}),
      runAs: args.runAs,
      serviceAccountName: serviceAccount.metadata.name,
      ...(args.apiToken ? { automountServiceAccountToken: true } : {}),
      ...(args.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: args.terminationGracePeriodSeconds } : {}),
      ...(placement === "spread" ? { spreadLabels: selector } : placement === "preferDifferentNodes" ? { antiAffinityLabels: selector } : {}),
    });
    if (controller.kind === "StatefulSet" && pod.claims.length === 0) throw new Error(`${identity.name}: a StatefulSet needs a claim mount for its data; use a Deployment for a stateless workload`);
    if (controller.kind !== "StatefulSet" && pod.claims.length > 0) throw new Error(`${identity.name}: only a StatefulSet can hold claim mounts`);
    return pod;
  });
  const metadata = { ...metadataOf(identity), annotations: { ...(args.annotations ?? {}), ...lintExemptionAnnotations(args.lintExemptions ?? []) } };
  const template = { metadata: podTemplateMetadata(identity, args.template), spec: podSpec };
  const opts: pulumi.CustomResourceOptions = { parent, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) };

  let headlessService: k8s.core.v1.Service | undefined;
  let workload: Workload["controller"];
  if (controller.kind === "Deployment") {
    workload = new k8s.apps.v1.Deployment(
      `${identity.name}-deployment`,
      {
        metadata,
        spec: {
          ...(controller.replicas !== undefined ? { replicas: controller.replicas } : {}),
          selector: { matchLabels: selector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          revisionHistoryLimit: 5,
          template,
        },
      },
      opts,
    );
  } else if (controller.kind === "StatefulSet") {
    const serviceName = headlessServiceName(identity.name);
    const members = controller.memberPorts;
    // The headless Service opens no traffic: the NetworkPolicies select pods, whatever Service resolves to them.
    headlessService = new k8s.core.v1.Service(
      `${serviceName}-service`,
      { metadata: metadataOf(identity, serviceName), spec: { clusterIP: "None", ...(members ? { publishNotReadyAddresses: true } : {}), selector, ...(members ? { ports: members } : {}) } },
      { parent },
    );
    workload = new k8s.apps.v1.StatefulSet(
      `${identity.name}-statefulset`,
      {
        metadata,
        spec: {
          replicas: controller.replicas,
          serviceName,
          selector: { matchLabels: selector },
          podManagementPolicy: controller.podManagementPolicy,
          updateStrategy: { type: "RollingUpdate" },
          // Data outlives a scale-down or a deleted StatefulSet; removing it is a deliberate, manual step.
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
          template,
          volumeClaimTemplates: claims,
        },
      },
      statefulSetReplacement({ ...opts, dependsOn: [...(args.dependsOn ?? []), headlessService] }),
    );
  } else {
    workload = new k8s.apps.v1.DaemonSet(
      `${identity.name}-daemonset`,
      { metadata, spec: { selector: { matchLabels: selector }, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } }, template } },
      opts,
    );
  }
  if (args.pdb ?? controller.kind !== "DaemonSet") declarePdb(identity, parent);
  const services = Object.fromEntries(
    (args.services ?? []).map((service) => [service.name ?? identity.name, declareClusterIpService(identity, service.ports, parent, service.name ?? identity.name)]),
  );
  if (args.flows) declareFlowPolicy(identity, args.flows, parent);
  return { serviceAccount, controller: workload, services, ...(headlessService ? { headlessService } : {}) };
}
