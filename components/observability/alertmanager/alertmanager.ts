import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_IMAGE } from "../../images";
import { declareConfigMap, servicePort } from "../../k8s/controllers";
import { type Mount, claimMount, configMapMount, secretMount } from "../../k8s/mounts";
import type { Flow } from "../../k8s/network";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import type { RunAs, SecureContainerArgs } from "../../k8s/podSpec";
import { PROBE_TIMINGS, httpProbe } from "../../k8s/probes";
import { declareWorkload, quorumMembers } from "../../k8s/workload";
import { statefulPodAddresses } from "../../platformEndpoints";
import type { SystemArgs } from "../componentArgs";
import type { PlatformEndpoints } from "../../platformEndpoints";
import { ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_CONFIG_FILE, ALERTMANAGER_SECRETS_DIR, alertmanagerConfigYaml } from "./alertmanagerConfig";

// The image's user is `nobody`, like Prometheus's: numeric IDs so runAsNonRoot can verify them.
const ALERTMANAGER_RUN_AS: RunAs = { uid: 65534, gid: 65534, fsGroup: 65534 };
const DATA_DIR = "/alertmanager";

export interface AlertmanagerArgs extends SystemArgs<"alertmanager"> {
  /** The only sender of alerts. */
  prometheus: PlatformEndpoints["prometheus"];
}

/**
 * Exactly Alertmanager's flows: Prometheus (and configured UI clients) in on the API port, the replicas'
 * gossip among themselves on TCP and UDP, and notifications out to the receivers.
 */
function alertmanagerFlows(args: AlertmanagerArgs): { ingress: Flow[]; egress: Flow[] } {
  const { endpoint: alertmanager, prometheus, config } = args;
  const self = { namespace: alertmanager.namespace, podLabels: alertmanager.podLabels };
  const gossip = config.replicas > 1 ? [{ peer: self, ports: [{ port: alertmanager.clusterPort }, { port: alertmanager.clusterPort, protocol: "UDP" as const }] }] : [];
  const egress = config.receiverEgress;
  return {
    ingress: [
      { peer: { namespace: prometheus.namespace, podLabels: prometheus.podLabels }, ports: [{ port: alertmanager.port }] },
      ...config.uiAllowFrom.map((peer) => ({ peer, ports: [{ port: alertmanager.port }] })),
      ...gossip,
    ],
    egress: [...gossip, ...egress.cidrs.map((cidr) => ({ peer: { cidr, except: egress.except }, ports: egress.ports.map((port) => ({ port })) }))],
  };
}

/** Where Prometheus sends alerts: every replica by name (they deduplicate among themselves). */
export function alertmanagerTargets(alertmanager: PlatformEndpoints["alertmanager"], replicas: number): string[] {
  return statefulPodAddresses(alertmanager.serviceName, alertmanager.headlessServiceName, alertmanager.namespace, replicas, alertmanager.port);
}

function alertmanagerContainer(args: SystemArgs<"alertmanager">, mounts: Mount[]): SecureContainerArgs {
  const { endpoint, config } = args;
  const clustered = config.replicas > 1;
  const peers = statefulPodAddresses(endpoint.serviceName, endpoint.headlessServiceName, endpoint.namespace, config.replicas, endpoint.clusterPort);
  return {
    name: "alertmanager",
    image: ALERTMANAGER_IMAGE,
    resources: config.resources,
    args: [
      `--config.file=${ALERTMANAGER_CONFIG_DIR}/${ALERTMANAGER_CONFIG_FILE}`,
      `--storage.path=${DATA_DIR}`,
      `--web.listen-address=0.0.0.0:${endpoint.port}`,
      // A single replica has no peers: an empty listen address turns gossip off.
      ...(clustered
        ? [`--cluster.listen-address=0.0.0.0:${endpoint.clusterPort}`, `--cluster.advertise-address=$(POD_IP):${endpoint.clusterPort}`, ...peers.map((peer) => `--cluster.peer=${peer}`)]
        : ["--cluster.listen-address="]),
    ],
    env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
    ports: [
      { name: "web", containerPort: endpoint.port, protocol: "TCP" },
      ...(clustered
        ? [
            { name: "gossip-tcp", containerPort: endpoint.clusterPort, protocol: "TCP" },
            { name: "gossip-udp", containerPort: endpoint.clusterPort, protocol: "UDP" },
          ]
        : []),
    ],
    probes: {
      startup: httpProbe("/-/ready", "web", PROBE_TIMINGS.startup.native),
      liveness: httpProbe("/-/healthy", "web", PROBE_TIMINGS.liveness.native),
      readiness: httpProbe("/-/ready", "web", PROBE_TIMINGS.readiness.native),
    },
    mounts,
  };
}

/**
 * Alertmanager: routes Prometheus's alerts by severity to the stack's receivers. In production a
 * StatefulSet of several replicas that gossip, so losing a node neither loses silences nor drops a page.
 */
export class Alertmanager extends pulumi.ComponentResource {
  constructor(name: string, args: AlertmanagerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Alertmanager", name, {}, opts);
    const { endpoint, config } = args;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "alerting", namespace: args.namespace };
    const files = { [ALERTMANAGER_CONFIG_FILE]: alertmanagerConfigYaml(config.receivers) };
    const configMap = declareConfigMap(identity, "alertmanager-config", files, { parent: this });
    const clustered = config.replicas > 1;
    const webPort = servicePort("web", endpoint.port);
    declareWorkload({
      identity,
      parent: this,
      controller: quorumMembers(config.replicas, [webPort, ...(clustered ? [servicePort("gossip-tcp", endpoint.clusterPort)] : [])]),
      runAs: ALERTMANAGER_RUN_AS,
      containers: [alertmanagerContainer(args, [
        configMapMount("config", configMap.metadata.name, ALERTMANAGER_CONFIG_DIR),
        // The receivers' credentials, as files only; the Secret is created outside Pulumi (docs/observability.md).
        secretMount("receivers", config.receiversSecret, ALERTMANAGER_SECRETS_DIR),
        claimMount("data", config.volumeSize, DATA_DIR),
      ])],
      template: { checksums: { config: checksumOf(files) } },
      // No single-replica exemption: kube-score's deployment-replicas looks at Deployments, not StatefulSets.
      services: [{ ports: [webPort] }],
      flows: { pods: { namespace: endpoint.namespace, podLabels: endpoint.podLabels }, ...alertmanagerFlows(args) },
    });
    this.registerOutputs({});
  }
}
