import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterScopedName } from "../../k8s/labels";
import { POD_SECURITY_EXEMPTION, exemptConcern } from "../../k8s/lintExemptions";
import { mountOf } from "../../k8s/mounts";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import type { RunAs } from "../../k8s/podSpec";
import { declareClusterRoleForWorkload } from "../../k8s/rbac";
import { declareWorkload } from "../../k8s/workload";
import { withResourceErrors } from "../../resourceErrors";
import { KAFKA_PRINCIPALS } from "../kafka/kafkaConfig";
import { KAFKA_CERT_DIR, type VectorRoleArgs, assertScratchFits, dataDirScratch, declareVectorConfigMap, declareVectorKafkaCert, vectorConfigMount, vectorContainer, vectorPodTemplate } from "./container";
import { vectorAgentConfig } from "./vectorConfig";

const POD_LOGS_DIR = "/var/log/pods";
// Root, because the runtime writes pod logs as root-owned 0640 files. Owner permissions are enough to read
// them, so root keeps no capability at all (drop ALL).
const AGENT_RUN_AS: RunAs = { uid: 0, gid: 0, root: true };

/** Every way the agent departs from "restricted", and why; also on the DaemonSet and in docs/observability.md. */
const AGENT_EXEMPTIONS = {
  hostPath: `${POD_LOGS_DIR} is mounted read-only: the kubelet writes every container's stdout there, and nowhere else.`,
  runAsRoot: "runs as UID 0: the log files are root-owned 0640; all capabilities are still dropped and the root filesystem is read-only.",
  serviceAccountToken: "mounts its token: kubernetes_logs lists and watches pods, namespaces and nodes to label each line.",
} as const;

export type VectorAgentArgs = VectorRoleArgs<"vectorAgent">;

/**
 * The Vector agent: one pod per node (a DaemonSet: no sidecar per pod, no change to the apps), shipping every
 * pod's stdout from the node's /var/log/pods to the Kafka topic.
 */
export class VectorAgent extends pulumi.ComponentResource {
  readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: VectorAgentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:VectorAgent", name, {}, opts);
    const endpoint = args.endpoint;
    const resources = args.config.resources;
    const identity: WorkloadIdentity = { name: "vector-agent", component: "log-agent", namespace: args.namespace };
    const config = vectorAgentConfig({
      kafkaBootstrap: args.kafka.bootstrap,
      kafkaCertDir: KAFKA_CERT_DIR,
      topic: args.kafka.topic,
      ownNamespace: endpoint.namespace,
      metricsPort: endpoint.metricsPort,
    });
    const scratch = [dataDirScratch(config)];
    withResourceErrors(this, () => assertScratchFits("observability.vectorAgent", resources, scratch));

    // Read-only: the agent only reads what the kubelet writes.
    // Its Kafka identity may only write app-logs: the one thing a node's agent needs, and all a compromised node gets.
    const kafkaCert = declareVectorKafkaCert(identity, KAFKA_PRINCIPALS.agent, args.ca, this);
    const podLogs = mountOf({ name: "pod-logs", hostPath: { path: POD_LOGS_DIR, type: "Directory" } }, POD_LOGS_DIR);
    const fieldEnv = (envName: string, fieldPath: string) => ({ name: envName, valueFrom: { fieldRef: { fieldPath } } });
    const exemption = Object.values(AGENT_EXEMPTIONS).join(" ");
    const agent = declareWorkload({
      identity,
      parent: this,
      controller: { kind: "DaemonSet" },
      runAs: AGENT_RUN_AS,
      containers: [
        vectorContainer({
          name: "vector",
          resources,
          metricsPort: endpoint.metricsPort,
          scratch,
          mounts: [vectorConfigMount(declareVectorConfigMap(identity, config, this)), podLogs, kafkaCert.mount],
          // kubernetes_logs reads the node's name to watch only the pods scheduled on it.
          env: [fieldEnv("VECTOR_SELF_NODE_NAME", "spec.nodeName"), fieldEnv("VECTOR_SELF_POD_NAME", "metadata.name"), fieldEnv("VECTOR_SELF_POD_NAMESPACE", "metadata.namespace")],
        }),
      ],
      apiToken: true,
      // The scrape annotations bring the enrolment label with them: Prometheus discovers the agent by it.
      template: { ...vectorPodTemplate(config, endpoint.metricsPort, kafkaCert.checksum), annotations: { [POD_SECURITY_EXEMPTION]: exemption } },
      annotations: { [POD_SECURITY_EXEMPTION]: exemption },
      // The manifest checks flag exactly the departures written down in AGENT_EXEMPTIONS, with the same reasons.
      lintExemptions: [
        ...exemptConcern("root", AGENT_EXEMPTIONS.runAsRoot),
        ...exemptConcern("lowUid", AGENT_EXEMPTIONS.runAsRoot),
        ...exemptConcern("serviceAccountToken", AGENT_EXEMPTIONS.serviceAccountToken),
      ],
      flows: args.flows,
      dependsOn: args.dependsOn,
    });
    this.daemonSet = agent.controller as k8s.apps.v1.DaemonSet;
    declareClusterRoleForWorkload(
      {
        identity,
        clusterRoleName: clusterScopedName(endpoint.namespace, identity.name),
        rules: [{ apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["list", "watch"] }],
        resourceNames: { role: `${name}-reader`, binding: `${name}-reader` },
      },
      this,
    );
    this.registerOutputs({});
  }
}
