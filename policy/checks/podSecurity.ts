/**
 * The Pod Security Standard "restricted" (Kubernetes v1.31 rules, which include every "baseline" rule),
 * checked on a plain pod spec. Returns one readable violation per broken rule; empty means compliant.
 * Written out because no maintained npm library evaluates PSS offline; the rules follow
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/.
 */
import { containersOf } from "../kubernetes";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pod specs are untyped manifest JSON; each rule reads its own fields.
type Spec = Record<string, any>;

const RESTRICTED_VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const ALLOWED_SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

export function restrictedViolations(spec: Spec): string[] {
  const violations: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers = containersOf(spec, "all");
  const each = (rule: (container: Spec, context: Spec) => string | undefined) => {
    for (const container of containers) {
      const problem = rule(container, container.securityContext ?? {});
      if (problem) violations.push(`container '${container.name}': ${problem}`);
    }
  };

  // Baseline.
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[field] === true) violations.push(`${field} must not be true`);
  if (pod.windowsOptions?.hostProcess === true) violations.push("windowsOptions.hostProcess must not be true");
  each((_, context) => (context.windowsOptions?.hostProcess === true ? "windowsOptions.hostProcess must not be true" : undefined));
  each((_, context) => (context.privileged === true ? "privileged must not be true" : undefined));
  each((container) => ((container.ports ?? []).some((port: Spec) => port.hostPort) ? "hostPort must not be set" : undefined));
  each((_, context) => (context.procMount && context.procMount !== "Default" ? `procMount must be Default, not ${context.procMount}` : undefined));
  for (const sysctl of pod.sysctls ?? []) if (!SAFE_SYSCTLS.has(sysctl.name)) violations.push(`sysctl ${sysctl.name} is not in the safe set`);
  const selinuxType = (context: Spec) => context.seLinuxOptions?.type ?? "";
  if (!ALLOWED_SELINUX_TYPES.has(selinuxType(pod))) violations.push(`seLinuxOptions.type ${selinuxType(pod)} is not allowed`);
  each((_, context) => (ALLOWED_SELINUX_TYPES.has(selinuxType(context)) ? undefined : `seLinuxOptions.type ${selinuxType(context)} is not allowed`));
  const appArmorUnconfined = (context: Spec) => context.appArmorProfile?.type === "Unconfined";
  if (appArmorUnconfined(pod)) violations.push("appArmorProfile must not be Unconfined");
  each((_, context) => (appArmorUnconfined(context) ? "appArmorProfile must not be Unconfined" : undefined));

  // Restricted.
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== "name");
    if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) violations.push(`volume '${volume.name}' has type ${type ?? "none"}, which restricted forbids`);
  }
  each((_, context) => (context.allowPrivilegeEscalation === false ? undefined : "allowPrivilegeEscalation must be false"));
  each((_, context) => ((context.runAsNonRoot ?? pod.runAsNonRoot) === true ? undefined : "runAsNonRoot must be true (pod or container)"));
  if (pod.runAsUser === 0) violations.push("pod runAsUser must not be 0");
  each((_, context) => (context.runAsUser === 0 ? "runAsUser must not be 0" : undefined));
  const seccompType = (context: Spec) => context.seccompProfile?.type;
  const seccompOk = (type: unknown) => type === "RuntimeDefault" || type === "Localhost";
  if (seccompType(pod) !== undefined && !seccompOk(seccompType(pod))) violations.push(`pod seccompProfile must be RuntimeDefault or Localhost, not ${seccompType(pod)}`);
  each((_, context) => {
    const type = seccompType(context) ?? seccompType(pod);
    return seccompOk(type) ? undefined : "seccompProfile must be RuntimeDefault or Localhost (pod or container)";
  });
  each((_, context) => {
    const drop: string[] = context.capabilities?.drop ?? [];
    const add: string[] = context.capabilities?.add ?? [];
    if (!drop.includes("ALL")) return "capabilities.drop must include ALL";
    const extra = add.filter((capability) => capability !== "NET_BIND_SERVICE");
    return extra.length ? `capabilities.add may only hold NET_BIND_SERVICE, not ${extra.join(", ")}` : undefined;
  });
  return violations;
}
