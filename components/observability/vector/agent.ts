import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterScopedName, selectorLabels } from "../../k8s/labels";
import { exemptConcern, workloadExemptionAnnotations } from "../../k8s/lintExemptions";
import { type RunAs, securePodSpec } from "../../k8s/podSpec";
import type { ObservabilityComponentArgs } from "../componentArgs";
import type { WorkloadFlows } from "../../k8s/network";
import { type WorkloadIdentity, metadataOf, podTemplateMetadata } from "../../k8s/objectMeta";
import { declareFlowPolicy } from "../../k8s/network";
import { declareServiceAccount } from "../../k8s/controllers";
import { vectorAgentConfig } from "./vectorConfig";
import { assertScratchFits, dataDirScratch, declareVectorConfigMap, vectorConfigMount, vectorContainer, vectorPodAnnotations } from "./container";
import { withResourceErrors } from "../../resourceErrors";
import { declareClusterRoleForWorkload } from "../../k8s/rbac";
import { mountOf } from "../../k8s/mounts";

const POD_LOGS_DIR = "/var/log/pods";
// Root, because the runtime writes pod logs as root-owned 0640 files. Owner permissions are enough to read
// them, so root keeps no capability at all (drop ALL).
const AGENT_RUN_AS: RunAs = { uid: 0, gid: 0 };

/** Every way the agent departs from "restricted", and why; also on the DaemonSet and in docs/observability.md. */
const AGENT_EXEMPTIONS = {
  hostPath: `${POD_LOGS_DIR} is mounted read-only: the kubelet writes every container's stdout there, and nowhere else.`,
  runAsRoot: "runs as UID 0: the log files are root-owned 0640; all capabilities are still dropped and the root filesystem is read-only.",
  serviceAccountToken: "mounts its token: kubernetes_logs lists and watches pods, namespaces and nodes to label each line.",
} as const;

/** The restricted pod spec with only the exemptions above changed. */
function withAgentExemptions(spec: k8s.types.input.core.v1.PodSpec): k8s.types.input.core.v1.PodSpec {
  const asRoot = { runAsNonRoot: false, runAsUser: AGENT_RUN_AS.uid, runAsGroup: AGENT_RUN_AS.gid };
  return {
    ...spec,
    securityContext: { ...(spec.securityContext as object), ...asRoot },
    containers: (spec.containers as k8s.types.input.core.v1.Container[]).map((container) => ({
      ...container,
      securityContext: { ...(container.securityContext as object), ...asRoot },
    })),
  };
}

export interface VectorAgentArgs extends ObservabilityComponentArgs {
  flows: WorkloadFlows;
  dependsOn: pulumi.Resource[];
}

/**
 * The Vector agent: one pod per node (a DaemonSet: no sidecar per pod, no change to the apps), shipping every
 * pod's stdout from the node's /var/log/pods to the Kafka topic.
 */
export class VectorAgent extends pulumi.ComponentResource {
  readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: VectorAgentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:VectorAgent", name, {}, opts);
    const endpoint = args.endpoints.vectorAgent;
    const resources = args.config.vectorAgent.resources;
    const identity: WorkloadIdentity = { name: "vector-agent", component: "log-agent", namespace: args.namespaces.logAgent };
    const config = vectorAgentConfig({
      kafkaBootstrap: args.endpoints.kafka.bootstrap,
      topic: args.endpoints.kafka.topic,
      ownNamespace: endpoint.namespace,
      metricsPort: endpoint.metricsPort,
    });
    const scratch = [dataDirScratch(config)];
    withResourceErrors(this, () => assertScratchFits("observability.vectorAgent", resources, scratch));

    const serviceAccount = declareServiceAccount(identity, this, true);
    declareClusterRoleForWorkload(
      {
        identity,
        clusterRoleName: clusterScopedName(endpoint.namespace, identity.name),
        rules: [{ apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["list", "watch"] }],
        resourceNames: { role: `${name}-reader`, binding: `${name}-reader` },
      },
      this,
    );
    const configFile = vectorConfigMount(declareVectorConfigMap(identity, config, this));
    // Read-only: the agent only reads what the kubelet writes.
    const podLogs = mountOf({ name: "pod-logs", hostPath: { path: POD_LOGS_DIR, type: "Directory" } }, POD_LOGS_DIR);
    const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const container = withResourceErrors(this, () => vectorContainer({
      name: "vector",
      runAs: AGENT_RUN_AS,
      resources,
      metricsPort: endpoint.metricsPort,
      scratch,
      config: configFile,
      // kubernetes_logs reads the node's name to watch only the pods scheduled on it.
      env: [fieldEnv("VECTOR_SELF_NODE_NAME", "spec.nodeName"), fieldEnv("VECTOR_SELF_POD_NAME", "metadata.name"), fieldEnv("VECTOR_SELF_POD_NAMESPACE", "metadata.namespace")],
      volumeMounts: [podLogs.volumeMount],
    }));
    const exemption = Object.values(AGENT_EXEMPTIONS).join(" ");
    const podSpec = withAgentExemptions(
      securePodSpec({
        containers: [container],
        runAs: AGENT_RUN_AS,
        serviceAccountName: serviceAccount.metadata.name,
        automountServiceAccountToken: true,
        scratch,
        volumes: [configFile.volume, podLogs.volume],
      }),
    );
    // The manifest checks flag exactly the departures written down in AGENT_EXEMPTIONS, with the same reasons.
    const lintExemptions = [
      ...exemptConcern("root", AGENT_EXEMPTIONS.runAsRoot),
      ...exemptConcern("lowUid", AGENT_EXEMPTIONS.runAsRoot),
      ...exemptConcern("serviceAccountToken", AGENT_EXEMPTIONS.serviceAccountToken),
    ];
    this.daemonSet = new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: {
          ...metadataOf(identity),
          annotations: { "blueprint.io/pod-security-exemption": exemption, ...workloadExemptionAnnotations(podSpec, lintExemptions) },
        },
        spec: {
          selector: { matchLabels: selectorLabels(identity.name) },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
          template: {
            // The scrape annotations bring the enrolment label with them: Prometheus discovers the agent by it.
            metadata: podTemplateMetadata(identity, { ...vectorPodAnnotations(config, endpoint.metricsPort), "blueprint.io/pod-security-exemption": exemption }),
            spec: podSpec,
          },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    declareFlowPolicy(identity, args.flows, this);
    this.registerOutputs({});
  }
}
