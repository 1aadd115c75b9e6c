import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResourcesConfig } from "../configPrimitives";
import { hasDigest } from "../images";

import { type Mount, type ScratchDir, collectVolumes, containerMounts } from "./mounts";
import { probesIdentical } from "./probes";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Probe = k8s.types.input.core.v1.Probe;

/**
 * Numeric identity a container runs as. An image whose USER is a name needs it spelled out: the kubelet can only
 * verify runAsNonRoot against a number.
 */
export interface RunAs {
  uid: number;
  gid: number;
  fsGroup?: number;
  /**
   * UID 0 on purpose, the one departure from "restricted" a pod may take here (the log agent reading root-owned
   * files). It must be said, with its reason on the workload: a uid of 0 without it is refused.
   */
  root?: true;
}

/** runAsNonRoot, checked: root only where RunAs says so. */
function nonRoot(runAs: RunAs): boolean {
  if (runAs.uid === 0 && !runAs.root) throw new Error("runAs uid 0 without root: true; a container runs as root only on purpose");
  return !runAs.root;
}

// Above 10000 so the IDs never collide with a node's own users (kube-score and checkov ask for it).
export const DEFAULT_RUN_AS: RunAs = { uid: 10001, gid: 10001 };

/** Pod-level half of the Pod Security Standard "restricted". */
function restrictedPodSecurityContext(runAs: RunAs): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: nonRoot(runAs),
    runAsUser: runAs.uid,
    runAsGroup: runAs.gid,
    fsGroup: runAs.fsGroup ?? runAs.gid,
    // Skips the recursive chown of large volumes on every start when ownership is already right.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level half of "restricted", plus a read-only root filesystem. */
function restrictedContainerSecurityContext(runAs: RunAs): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: nonRoot(runAs),
    runAsUser: runAs.uid,
    runAsGroup: runAs.gid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

function resourceRequirements(resources: ResourcesConfig): k8s.types.input.core.v1.ResourceRequirements {
  const toList = (list: ResourcesConfig["requests"]) => ({ cpu: list.cpu, memory: list.memory, "ephemeral-storage": list.ephemeralStorage });
  return { requests: toList(resources.requests), limits: toList(resources.limits) };
}

export interface SecureContainerArgs {
  name: string;
  image: k8s.types.input.core.v1.Container["image"];
  resources: ResourcesConfig;
  ports?: k8s.types.input.core.v1.ContainerPort[];
  command?: string[];
  args?: string[];
  env?: k8s.types.input.core.v1.EnvVar[];
  envFrom?: k8s.types.input.core.v1.EnvFromSource[];
  probes?: { startup?: Probe; liveness?: Probe; readiness?: Probe };
  /** Writable emptyDirs; /tmp is always included. */
  scratch?: ScratchDir[];
  /** Files and data the container sees; the pod spec places their volumes, the StatefulSet their claims. */
  mounts?: Mount[];
  lifecycle?: k8s.types.input.core.v1.Lifecycle;
}

/** The container's mounts, scratch directories first: both the container and its pod read them from here. */
function mountsOf(args: SecureContainerArgs): Mount[] {
  return containerMounts(args.scratch, args.mounts);
}

/**
 * A digest names exactly one image, so the node's cached copy is already the right one: IfNotPresent saves the
 * registry round-trip and keeps pods starting while the registry is down. A tag may move, so a tag-only
 * reference (a service's image in local and staging) is pulled Always, to run what the registry holds now.
 */
export function pullPolicyFor(image: string): "IfNotPresent" | "Always" {
  return hasDigest(image) ? "IfNotPresent" : "Always";
}

/** The pull policy of a plain reference, or of a computed one (a built image's repo digest) once it is known. */
function pullPolicyOf(image: Container["image"]): Container["imagePullPolicy"] {
  return typeof image === "string" ? pullPolicyFor(image) : pulumi.output(image).apply((ref) => pullPolicyFor(ref ?? ""));
}

/** A container locked down to "restricted", with requests, limits and a writable /tmp. */
export function secureContainer(args: SecureContainerArgs, runAs: RunAs): Container {
  const { liveness, readiness } = args.probes ?? {};
  if (liveness && readiness && probesIdentical(readiness, liveness)) {
    throw new Error(`container ${args.name}: its readiness and liveness probes make the same check; liveness must only catch a dead process`);
  }
  return {
    name: args.name,
    image: args.image,
    imagePullPolicy: pullPolicyOf(args.image),
    ...(args.command ? { command: args.command } : {}),
    ...(args.args ? { args: args.args } : {}),
    ...(args.ports ? { ports: args.ports } : {}),
    ...(args.env ? { env: args.env } : {}),
    ...(args.envFrom ? { envFrom: args.envFrom } : {}),
    ...(args.probes?.startup ? { startupProbe: args.probes.startup } : {}),
    ...(args.probes?.liveness ? { livenessProbe: args.probes.liveness } : {}),
    ...(args.probes?.readiness ? { readinessProbe: args.probes.readiness } : {}),
    ...(args.lifecycle ? { lifecycle: args.lifecycle } : {}),
    resources: resourceRequirements(args.resources),
    securityContext: restrictedContainerSecurityContext(runAs),
    volumeMounts: mountsOf(args).map((mount) => mount.volumeMount),
  };
}

export interface SecurePodSpecArgs {
  /** Where errors point, e.g. "observability/elasticsearch". */
  name: string;
  containers: SecureContainerArgs[];
  initContainers?: SecureContainerArgs[];
  runAs: RunAs;
  serviceAccountName: k8s.types.input.core.v1.PodSpec["serviceAccountName"];
  /** Only workloads that talk to the Kubernetes API get a token: a mounted token is a credential to steal. */
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  /** Spread the pods over zones and nodes; the labels select the workload's own pods. */
  spreadLabels?: Record<string, string>;
  /** Without spreadLabels: replicas still prefer different nodes (soft, so a one-node cluster schedules them all). */
  antiAffinityLabels?: Record<string, string>;
}

/** Prefers not to co-locate two pods the labels select: a node failure then takes one replica, not all. */
function preferDifferentNodes(labels: Record<string, string>): Pick<PodSpec, "affinity"> {
  return {
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: labels } } }],
      },
    },
  };
}

/** Spreads replicas over zones and nodes, and prefers not to co-locate two of them. */
function spreadAndAntiAffinity(labels: Record<string, string>): Pick<PodSpec, "topologySpreadConstraints" | "affinity"> {
  const labelSelector = { matchLabels: labels };
  return {
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector },
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector },
    ],
    ...preferDifferentNodes(labels),
  };
}

export interface SecurePod {
  podSpec: PodSpec;
  /** The per-replica claims the containers mount: a StatefulSet's volumeClaimTemplates. */
  claims: k8s.types.input.core.v1.PersistentVolumeClaim[];
}

/**
 * A pod spec that meets "restricted", built from its containers: every workload in the platform starts from
 * this. The volumes come from the containers' mounts and scratch directories, each named once (the main
 * containers' first, then the init containers'), so a volume and its mount cannot drift apart.
 */
export function securePodSpec(args: SecurePodSpecArgs): SecurePod {
  const allContainers = [...args.containers, ...(args.initContainers ?? [])];
  const { volumes, claims } = collectVolumes(`pod ${args.name}`, allContainers.flatMap(mountsOf));
  const build = (container: SecureContainerArgs) => secureContainer(container, args.runAs);
  const podSpec: PodSpec = {
    serviceAccountName: args.serviceAccountName,
    automountServiceAccountToken: args.automountServiceAccountToken ?? false,
    // Service links inject env vars such as KAFKA_PORT that some images misread as their own settings.
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(args.runAs),
    terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 30,
    ...(args.initContainers ? { initContainers: args.initContainers.map(build) } : {}),
    containers: args.containers.map(build),
    volumes,
    ...(args.spreadLabels ? spreadAndAntiAffinity(args.spreadLabels) : args.antiAffinityLabels ? preferDifferentNodes(args.antiAffinityLabels) : {}),
  };
  return { podSpec, claims };
}

// Setup Jobs and init containers are short JVM, curl or cp runs; a fixed small budget keeps them out of the sizing config.
export const ONE_SHOT_RESOURCES: ResourcesConfig = {
  requests: { cpu: "50m", memory: "256Mi", ephemeralStorage: "64Mi" },
  limits: { cpu: "500m", memory: "512Mi", ephemeralStorage: "256Mi" },
};
