/**
 * Debian's Prometheus is built without Kubernetes service discovery, so it cannot load a config with
 * kubernetes_sd_configs (the check in prometheus.systems.ts shows the refusal). This hands it what that
 * discovery would have found instead: the service's pod as the rendered Deployment describes it, with the
 * same __meta_kubernetes_* labels, through file_sd_configs. The job's relabel_configs stay exactly as rendered,
 * so Prometheus itself applies them to choose the pod, its port and path, and its labels.
 */
import { parse, stringify } from "yaml";

type Any = Record<string, any>;

const label = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

/** The target group Kubernetes discovery (role: pod) produces for one running pod of `deployment`. */
export function podTargetGroup(deployment: Any, podIp: string): Any {
  const template = deployment.spec.template;
  const container = template.spec.containers[0];
  const port = container.ports?.[0]?.containerPort;
  if (port === undefined) throw new Error("the rendered Deployment declares no container port");
  const labels: Record<string, string> = {
    __meta_kubernetes_namespace: deployment.metadata.namespace,
    __meta_kubernetes_pod_name: `${deployment.metadata.name}-systems-test`,
    __meta_kubernetes_pod_phase: "Running",
    __meta_kubernetes_pod_ip: podIp,
  };
  for (const [key, value] of Object.entries(template.metadata.labels ?? {})) labels[`__meta_kubernetes_pod_label_${label(key)}`] = String(value);
  for (const [key, value] of Object.entries(template.metadata.annotations ?? {})) labels[`__meta_kubernetes_pod_annotation_${label(key)}`] = String(value);
  return { targets: [`${podIp}:${port}`], labels };
}

/** Whether a Kubernetes label selector of equality terms ("a=b,c=d", as a discovery `selectors` entry holds) selects `labels`. */
export function selects(selector: string, labels: Record<string, string>): boolean {
  return selector.split(",").every((term) => {
    const [key, value] = term.split("=").map((part) => part.trim());
    return labels[key] === value;
  });
}

/**
 * The rendered config with each pod-discovery job reading `targetsFile`; refuses a pod the rendered
 * discovery would not find (outside its namespaces, or not selected by its label selectors).
 */
export function podDiscoveryFromFile(configYaml: string, targetsFile: string, pod: { namespace: string; labels: Record<string, string> }): string {
  const config = parse(configYaml) as Any;
  // Node discovery finds kubelets (cAdvisor), and none runs here; its job also reads the pod's mounted token
  // and CA, which do not exist on the test host. It is left out; the unit tests check it.
  const nodeOnly = (job: Any) => (job.kubernetes_sd_configs ?? []).length > 0 && job.kubernetes_sd_configs.every((sd: Any) => sd.role === "node");
  config.scrape_configs = (config.scrape_configs ?? []).filter((job: Any) => !nodeOnly(job));
  let replaced = 0;
  for (const job of config.scrape_configs ?? []) {
    if (job.kubernetes_sd_configs === undefined) continue;
    for (const sd of job.kubernetes_sd_configs) {
      if (sd.role !== "pod") throw new Error(`job ${job.job_name}: only role pod is stood in for, not ${sd.role}`);
      if (sd.namespaces?.names && !sd.namespaces.names.includes(pod.namespace)) throw new Error(`job ${job.job_name} does not discover namespace ${pod.namespace}`);
      for (const selector of sd.selectors ?? []) {
        if (selector.role === "pod" && selector.label && !selects(selector.label, pod.labels)) {
          throw new Error(`job ${job.job_name}'s selector '${selector.label}' does not select the pod`);
        }
      }
    }
    delete job.kubernetes_sd_configs;
    job.file_sd_configs = [{ files: [targetsFile] }];
    replaced += 1;
  }
  if (replaced === 0) throw new Error("the rendered config has no kubernetes_sd_configs job");
  return stringify(config);
}
