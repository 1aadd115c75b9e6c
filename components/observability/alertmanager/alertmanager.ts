import * as pulumi from "@pulumi/pulumi";
import type { Flow } from "../../k8s/network";
import { type RunAs, httpProbe, secureContainer, securePodSpec, volumeClaimTemplate } from "../../k8s/podSpec";
import { statefulPodAddresses } from "../../platformEndpoints";
import { ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_CONFIG_FILE, ALERTMANAGER_SECRETS_DIR, alertmanagerConfigYaml } from "./alertmanagerConfig";
import type { ObservabilityComponentArgs } from "../componentArgs";
import { type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import { configMapMount, secretMount, volumeMountsOf, volumesOf } from "../../k8s/mounts";
import { selectorLabels } from "../../k8s/labels";
import { declareClusterIpService, declareConfigMap, declarePdb, declareServiceAccount, declareStatefulSet, servicePort } from "../../k8s/controllers";
import { declareFlowPolicy } from "../../k8s/network";
import { withResourceErrors } from "../../resourceErrors";

const ALERTMANAGER_IMAGE = "prom/alertmanager:v0.28.1";
// The image's user is `nobody`, like Prometheus's: numeric IDs so runAsNonRoot can verify them.
const ALERTMANAGER_RUN_AS: RunAs = { uid: 65534, gid: 65534, fsGroup: 65534 };
const DATA_DIR = "/alertmanager";

/**
 * Exactly Alertmanager's flows: Prometheus (and configured UI clients) in on the API port, the replicas'
 * gossip among themselves on TCP and UDP, and notifications out to the receivers.
 */
function alertmanagerFlows(args: Pick<ObservabilityComponentArgs, "endpoints" | "config">): { ingress: Flow[]; egress: Flow[] } {
  const { alertmanager, prometheus } = args.endpoints;
  const config = args.config.alertmanager;
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
export function alertmanagerTargets(args: Pick<ObservabilityComponentArgs, "endpoints" | "config">): string[] {
  const { alertmanager } = args.endpoints;
  return statefulPodAddresses(alertmanager.serviceName, alertmanager.headlessServiceName, alertmanager.namespace, args.config.alertmanager.replicas, alertmanager.port);
}

/**
 * Alertmanager: routes Prometheus's alerts by severity to the stack's receivers. In production a
 * StatefulSet of several replicas that gossip, so losing a node neither loses silences nor drops a page.
 */
export class Alertmanager extends pulumi.ComponentResource {
  constructor(name: string, args: ObservabilityComponentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Alertmanager", name, {}, opts);
    const endpoint = args.endpoints.alertmanager;
    const config = args.config.alertmanager;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "alerting", namespace: args.namespaces.observability };
    const files = { [ALERTMANAGER_CONFIG_FILE]: alertmanagerConfigYaml(config.receivers) };
    const configMap = declareConfigMap(identity, "alertmanager-config", files, { parent: this });
    const serviceAccount = declareServiceAccount(identity, this);
    const clustered = config.replicas > 1;
    const mounts = [
      configMapMount("config", configMap.metadata.name, ALERTMANAGER_CONFIG_DIR),
      // The receivers' credentials, as files only; the Secret is created outside Pulumi (docs/observability.md).
      secretMount("receivers", config.receiversSecret, ALERTMANAGER_SECRETS_DIR),
    ];
    const peers = statefulPodAddresses(endpoint.serviceName, endpoint.headlessServiceName, endpoint.namespace, config.replicas, endpoint.clusterPort);

    const container = withResourceErrors(this, () => secureContainer({
      name: "alertmanager",
      image: ALERTMANAGER_IMAGE,
      runAs: ALERTMANAGER_RUN_AS,
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
        startup: httpProbe("/-/ready", "web", { initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 }),
        liveness: httpProbe("/-/healthy", "web", { initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 }),
        readiness: httpProbe("/-/ready", "web", { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
      },
      // The data volume comes from the StatefulSet's claim template.
      volumeMounts: [...volumeMountsOf(mounts), { name: "data", mountPath: DATA_DIR }],
    }));
    const webPort = servicePort("web", endpoint.port);
    declareClusterIpService(identity, [webPort], this);
    declareStatefulSet(
      {
        identity,
        replicas: config.replicas,
        podManagementPolicy: "Parallel",
        memberPorts: [webPort, ...(clustered ? [servicePort("gossip-tcp", endpoint.clusterPort)] : [])],
        podAnnotations: { "checksum/config": checksumOf(files) },
        podSpec: securePodSpec({
          containers: [container],
          runAs: ALERTMANAGER_RUN_AS,
          serviceAccountName: serviceAccount.metadata.name,
          volumes: volumesOf(mounts),
          ...(clustered ? { spreadLabels: selectorLabels(endpoint.serviceName) } : {}),
        }),
        // No single-replica exemption: kube-score's deployment-replicas looks at Deployments, not StatefulSets.
        volumeClaimTemplates: [volumeClaimTemplate("data", config.volumeSize)],
      },
      { parent: this },
    );
    declarePdb(identity, this);
    declareFlowPolicy(identity, { pods: { namespace: endpoint.namespace, podLabels: endpoint.podLabels }, ...alertmanagerFlows(args) }, this);
    this.registerOutputs({});
  }
}
