import { defaultDenySpec } from "../../components/k8s/network";
import { DEFAULT_RUN_AS, type SecureContainerArgs, secureContainer, securePodSpec } from "../../components/k8s/podSpec";
import { httpProbe } from "../../components/k8s/probes";
import type { Fields, KubernetesObject } from "../../policy/kubernetes";

/** Policy test inputs. The compliant ones come from the project's own builders, so a test also proves them. */

const TIMING = { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
export const APP_LABELS = { "app.kubernetes.io/name": "api" };

/** Plain data, as the render and the policy SDK see it (the builders' Input<T> types are plain values here). */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const COMPLIANT_CONTAINER: SecureContainerArgs = {
  name: "api",
  image: "registry.example.com/team/api:1.4.2",
  resources: { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "500m", memory: "256Mi", ephemeralStorage: "256Mi" } },
  probes: { liveness: httpProbe("/health", 8000, TIMING), readiness: httpProbe("/ready", 8000, TIMING) },
};

export function compliantContainer(overrides: Fields = {}): Fields {
  return { ...plain<Fields>(secureContainer(COMPLIANT_CONTAINER, DEFAULT_RUN_AS)), ...overrides };
}

/** The kit's pod for the compliant container, with the given (possibly altered) containers in its place. */
export function compliantPodSpec(containers: Fields[] = [compliantContainer()]): Fields {
  const { podSpec } = securePodSpec({ name: "api", containers: [COMPLIANT_CONTAINER], runAs: DEFAULT_RUN_AS, serviceAccountName: "api" });
  return { ...plain<Fields>(podSpec), containers };
}

export function workload(kind: string, podSpec: Fields = compliantPodSpec(), extra: { annotations?: Record<string, string>; spec?: Fields } = {}): KubernetesObject {
  return {
    apiVersion: kind === "Pod" ? "v1" : "apps/v1",
    kind,
    metadata: { name: "api", namespace: "apps", ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec:
      kind === "Pod" ? podSpec : { selector: { matchLabels: APP_LABELS }, template: { metadata: { labels: APP_LABELS }, spec: podSpec }, ...extra.spec },
  };
}

export function object(kind: string, name: string, fields: Fields = {}, annotations?: Record<string, string>): KubernetesObject {
  return { apiVersion: "v1", kind, metadata: { name, namespace: "apps", ...(annotations ? { annotations } : {}) }, ...fields };
}

export function namespace(name: string, annotations?: Record<string, string>): KubernetesObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, ...(annotations ? { annotations } : {}) } };
}

export function defaultDeny(namespaceName: string): KubernetesObject {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: namespaceName }, spec: plain(defaultDenySpec()) };
}
