import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ResourcesConfig } from "../../configPrimitives";
import { VECTOR_IMAGE } from "../../images";
import { parseQuantity } from "../../k8s/quantity";
import { declareConfigMap } from "../../k8s/controllers";
import { DEFAULT_SCRATCH_SIZE, type Mount, type ScratchDir, configMapMount, secretMount, withTmp } from "../../k8s/mounts";
import { type PodTemplateArgs, type WorkloadIdentity, checksumOf } from "../../k8s/objectMeta";
import type { SecureContainerArgs } from "../../k8s/podSpec";
import type { WorkloadFlows } from "../../k8s/network";
import { PROBE_TIMINGS, httpProbe, tcpProbe } from "../../k8s/probes";
import type { PlatformEndpoints } from "../../platformEndpoints";
import type { CertificateAuthority } from "../certificates";
import type { SystemArgs } from "../componentArgs";
import { declareKafkaCert } from "../kafka/clientCerts";
import { API_PORT, CONFIG_DIR, CONFIG_FILE, DATA_DIR, DISK_BUFFER_BYTES, type VectorConfig, toVectorYaml } from "./vectorConfig";

/**
 * What both Vector roles receive: their own part, the Kafka they read or write, the CA that signs their Kafka
 * certificate, their flows and what they wait for.
 */
export interface VectorRoleArgs<K extends "vectorAgent" | "vectorAggregator"> extends SystemArgs<K> {
  kafka: PlatformEndpoints["kafka"];
  ca: CertificateAuthority;
  flows: WorkloadFlows;
  dependsOn: pulumi.Resource[];
}

const MiB = 2 ** 20;
// Room next to the buffers for checkpoints and the buffer's own index files.
const DATA_DIR_HEADROOM_MIB = 64;

/** data_dir holds every disk buffer of the config plus headroom; sized from the config, never guessed. */
export function dataDirScratch(config: VectorConfig): ScratchDir {
  const buffers = Object.values(config.sinks).filter((sink) => "buffer" in sink).length;
  return { name: "data", mountPath: DATA_DIR, sizeLimit: `${Math.ceil((buffers * DISK_BUFFER_BYTES) / MiB) + DATA_DIR_HEADROOM_MIB}Mi` };
}

/** One clear error when the ephemeral-storage limit cannot hold the disk buffers: the kubelet would evict the pod. */
export function assertScratchFits(configKey: string, resources: ResourcesConfig, scratch: ScratchDir[]): void {
  const needed = withTmp(scratch).reduce((total, dir) => total + parseQuantity(dir.sizeLimit ?? DEFAULT_SCRATCH_SIZE), 0);
  const limit = parseQuantity(resources.limits.ephemeralStorage);
  if (limit < needed) {
    throw new Error(
      `${configKey}.resources.limits.ephemeralStorage ${resources.limits.ephemeralStorage} is below the ${Math.ceil(needed / MiB)}Mi its disk buffers and /tmp need`,
    );
  }
}

export function declareVectorConfigMap(identity: WorkloadIdentity, config: VectorConfig, parent: pulumi.Resource): k8s.core.v1.ConfigMap {
  return declareConfigMap(identity, `${identity.name}-config`, { [CONFIG_FILE]: toVectorYaml(config) }, { parent: parent });
}

/**
 * Scrape annotations for the prometheus_exporter sink, and checksums that roll the pods on a config change or a
 * re-issued Kafka certificate.
 */
export function vectorPodTemplate(config: VectorConfig, metricsPort: number, kafkaCertChecksum: pulumi.Input<string>): PodTemplateArgs {
  return { metrics: { port: metricsPort, path: "/metrics" }, checksums: { config: checksumOf(config), "kafka-certificate": kafkaCertChecksum } };
}

export interface VectorContainerArgs {
  name: string;
  resources: ResourcesConfig;
  metricsPort: number;
  scratch: ScratchDir[];
  /** The config file first (vectorConfigMount), then what the role reads besides. */
  mounts: Mount[];
  env?: k8s.types.input.core.v1.EnvVar[];
}

/** The Vector container both roles share: config from the ConfigMap, health from the API on 8686. */
export function vectorContainer(args: VectorContainerArgs): SecureContainerArgs {
  return {
    name: args.name,
    image: VECTOR_IMAGE,
    resources: args.resources,
    args: ["--config", `${CONFIG_DIR}/${CONFIG_FILE}`],
    ports: [
      { name: "api", containerPort: API_PORT, protocol: "TCP" },
      { name: "metrics", containerPort: args.metricsPort, protocol: "TCP" },
    ],
    ...(args.env ? { env: args.env } : {}),
    probes: {
      startup: httpProbe("/health", "api", PROBE_TIMINGS.startup.native),
      // Readiness asks the API whether Vector is healthy; liveness only whether the API still accepts
      // connections, so a pod busy draining its buffers is taken out of rotation, never restarted.
      liveness: tcpProbe("api", PROBE_TIMINGS.liveness.native),
      readiness: httpProbe("/health", "api", PROBE_TIMINGS.readiness.native),
    },
    scratch: args.scratch,
    mounts: args.mounts,
  };
}

/** Where a Vector role mounts its own Kafka certificate Secret. */
export const KAFKA_CERT_DIR = "/etc/blueprint/kafka-tls";

/**
 * A Vector role's Kafka identity: its certificate (common name = its principal), the mount of its Secret, and
 * a checksum that rolls the pods when `pulumi up` re-issues it (librdkafka reads the files only at start).
 */
export function declareVectorKafkaCert(identity: WorkloadIdentity, principal: string, ca: CertificateAuthority, parent: pulumi.Resource): { mount: Mount; checksum: pulumi.Output<string> } {
  const cert = declareKafkaCert(identity, { principal }, ca, parent);
  return { mount: secretMount("kafka-tls", cert.secretName, KAFKA_CERT_DIR), checksum: cert.certPem.apply(checksumOf) };
}

export function vectorConfigMount(configMap: k8s.core.v1.ConfigMap): Mount {
  return configMapMount("config", configMap.metadata.name, CONFIG_DIR);
}
