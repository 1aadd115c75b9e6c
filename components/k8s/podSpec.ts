import * as k8s from "@pulumi/kubernetes";
import type { ResourcesConfig } from "../configPrimitives";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/**
 * Numeric identity a container runs as. An image whose USER is a name needs it spelled out: the kubelet can only
 * verify runAsNonRoot against a number.
 */
export interface RunAs {
  uid: number;
  gid: number;
  fsGroup?: number;
}

// Above 10000 so the IDs never collide with a node's own users (kube-score and checkov ask for it).
export const DEFAULT_RUN_AS: RunAs = { uid: 10001, gid: 10001 };

/** Pod-level half of the Pod Security Standard "restricted". */
function restrictedPodSecurityContext(runAs: RunAs): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
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
    runAsNonRoot: true,
    runAsUser: runAs.uid,
    runAsGroup: runAs.gid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export function httpProbe(path: string, port: number | string, timing: ProbeTiming): Probe {
  return { httpGet: { path, port }, ...timing };
}

export function tcpProbe(port: number | string, timing: ProbeTiming): Probe {
  return { tcpSocket: { port }, ...timing };
}

function resourceRequirements(resources: ResourcesConfig): k8s.types.input.core.v1.ResourceRequirements {
  const toList = (list: ResourcesConfig["requests"]) => ({ cpu: list.cpu, memory: list.memory, "ephemeral-storage": list.ephemeralStorage });
  return { requests: toList(resources.requests), limits: toList(resources.limits) };
}

/** A writable emptyDir for a read-only-root container (/tmp, caches, logs). */
export interface ScratchDir {
  name: string;
  mountPath: string;
  sizeLimit?: string;
  /** "Memory" keeps the contents off the node's disk (a tmpfs; counts against the memory limit), e.g. a copied secret. */
  medium?: "Memory";
}

export const TMP_DIR: ScratchDir = { name: "tmp", mountPath: "/tmp", sizeLimit: "64Mi" };

export function scratchVolume(dir: ScratchDir): Volume {
  return { name: dir.name, emptyDir: { ...(dir.medium ? { medium: dir.medium } : {}), sizeLimit: dir.sizeLimit ?? "64Mi" } };
}

function scratchMount(dir: ScratchDir): VolumeMount {
  return { name: dir.name, mountPath: dir.mountPath };
}

/** A StatefulSet volumeClaimTemplate: one ReadWriteOnce volume per replica that follows the pod's identity. */
export function volumeClaimTemplate(name: string, size: string): k8s.types.input.core.v1.PersistentVolumeClaim {
  return { metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } };
}

export interface SecureContainerArgs {
  name: string;
  image: k8s.types.input.core.v1.Container["image"];
  runAs: RunAs;
  resources: ResourcesConfig;
  ports?: k8s.types.input.core.v1.ContainerPort[];
  command?: string[];
  args?: string[];
  env?: k8s.types.input.core.v1.EnvVar[];
  envFrom?: k8s.types.input.core.v1.EnvFromSource[];
  probes?: { startup?: Probe; liveness?: Probe; readiness?: Probe };
  /** Writable emptyDirs; /tmp is always included. */
  scratch?: ScratchDir[];
  volumeMounts?: VolumeMount[];
  lifecycle?: k8s.types.input.core.v1.Lifecycle;
}

function withTmp(scratch: ScratchDir[] = []): ScratchDir[] {
  return scratch.some((dir) => dir.mountPath === TMP_DIR.mountPath) ? scratch : [TMP_DIR, ...scratch];
}

/**
 * The same readiness and liveness check either restarts a pod that is only busy, or keeps one that is
 * wedged in the Service. The rule kube-score applies: same HTTP path and port, same TCP port, or same command.
 */
export function probesIdentical(readiness: Probe, liveness: Probe): boolean {
  if (readiness.httpGet && liveness.httpGet) {
    const [ready, live] = [readiness.httpGet, liveness.httpGet] as k8s.types.input.core.v1.HTTPGetAction[];
    // kube-score reads every named port as 0, so two named ports count as the same port.
    const samePort = ready.port === live.port || (typeof ready.port === "string" && typeof live.port === "string");
    return ready.path === live.path && samePort;
  }
  if (readiness.tcpSocket && liveness.tcpSocket) {
    return (readiness.tcpSocket as k8s.types.input.core.v1.TCPSocketAction).port === (liveness.tcpSocket as k8s.types.input.core.v1.TCPSocketAction).port;
  }
  if (readiness.exec && liveness.exec) return JSON.stringify(readiness.exec) === JSON.stringify(liveness.exec);
  return false;
}

/** A container locked down to "restricted", with requests, limits and a writable /tmp. */
export function secureContainer(args: SecureContainerArgs): Container {
  const { liveness, readiness } = args.probes ?? {};
  if (liveness && readiness && probesIdentical(readiness, liveness)) {
    throw new Error(`container ${args.name}: its readiness and liveness probes make the same check; liveness must only catch a dead process`);
  }
  return {
    name: args.name,
    image: args.image,
    // Tags are pinned, so Always costs one registry round-trip and guarantees the node runs what the registry holds.
    imagePullPolicy: "Always",
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
    securityContext: restrictedContainerSecurityContext(args.runAs),
    volumeMounts: [...withTmp(args.scratch).map(scratchMount), ...(args.volumeMounts ?? [])],
  };
}

export interface SecurePodSpecArgs {
  containers: Container[];
  initContainers?: Container[];
  runAs: RunAs;
  serviceAccountName: k8s.types.input.core.v1.PodSpec["serviceAccountName"];
  /** Only workloads that talk to the Kubernetes API get a token: a mounted token is a credential to steal. */
  automountServiceAccountToken?: boolean;
  /** emptyDirs backing the containers' scratch mounts; /tmp is always included. */
  scratch?: ScratchDir[];
  volumes?: Volume[];
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

/** A pod spec that meets "restricted": every workload in the platform starts from this. */
export function securePodSpec(args: SecurePodSpecArgs): PodSpec {
  return {
    serviceAccountName: args.serviceAccountName,
    automountServiceAccountToken: args.automountServiceAccountToken ?? false,
    // Service links inject env vars such as KAFKA_PORT that some images misread as their own settings.
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(args.runAs),
    terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 30,
    ...(args.initContainers ? { initContainers: args.initContainers } : {}),
    containers: args.containers,
    volumes: [...withTmp(args.scratch).map(scratchVolume), ...(args.volumes ?? [])],
    ...(args.spreadLabels ? spreadAndAntiAffinity(args.spreadLabels) : args.antiAffinityLabels ? preferDifferentNodes(args.antiAffinityLabels) : {}),
  };
}

// Setup Jobs and init containers are short JVM, curl or cp runs; a fixed small budget keeps them out of the sizing config.
export const ONE_SHOT_RESOURCES: ResourcesConfig = {
  requests: { cpu: "50m", memory: "256Mi", ephemeralStorage: "64Mi" },
  limits: { cpu: "500m", memory: "512Mi", ephemeralStorage: "256Mi" },
};
