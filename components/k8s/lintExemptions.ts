/**
 * Exemptions from the third-party manifest checks (scripts/lint-manifests.ts), written as annotations on
 * the object they concern, each with its one-line reason. docs/exemptions.md lists them all; a test keeps
 * that list in step with the renders.
 */
import { hasDigest } from "../images";
import { POLICY_CHECKER, exemptionKey } from "./exemptionKeys";

/**
 * Where a workload or namespace departs from Pod Security "restricted" on purpose, the annotation that says
 * why, in words (the log agent's DaemonSet and its namespace): the policy pack's exemption from its
 * `pod-security-restricted` policy.
 */
export const POD_SECURITY_EXEMPTION = exemptionKey(POLICY_CHECKER, "pod-security-restricted");

export const LINT_TOOLS = ["kube-linter", "kube-score", "checkov", "kubeconform"] as const;
export type LintTool = (typeof LINT_TOOLS)[number];

export interface LintExemption {
  tool: LintTool;
  /** The tool's own check id: kube-linter check name, kube-score test id, checkov CKV id. */
  check: string;
  reason: string;
}

/** `<tool>.exemption.blueprint.io/<check>: <reason>` annotations (the grammar: exemptionKeys.ts). */
export function lintExemptionAnnotations(exemptions: LintExemption[]): Record<string, string> {
  return Object.fromEntries(exemptions.map((exemption) => [exemptionKey(exemption.tool, exemption.check), exemption.reason]));
}

/**
 * checkov CKV_K8S_43 wants every image pinned by digest. A service's image may be a bare tag from stack
 * config in local and staging (production's must carry a digest: the pack's `images-carry-digests`); such a
 * workload carries this exemption, and a digest in its ref removes it.
 */
export function imageDigestExemptions(imageRefs: string[]): LintExemption[] {
  if (imageRefs.every(hasDigest)) return [];
  return [
    {
      tool: "checkov",
      check: "CKV_K8S_43",
      reason: "the image is pinned by an exact version tag from stack config, allowed outside production; configure ref@sha256:<digest> to drop this exemption",
    },
  ];
}


/**
 * kube-linter's job-ttl-seconds-after-finished wants finished Jobs deleted by a TTL. Pulumi owns these
 * Jobs: a TTL deletes one behind Pulumi's back, a refresh then drops it from the state and the next `up`
 * runs it again. They are replaced (and rerun) only when what they apply changes.
 */
export const PULUMI_OWNS_JOB: LintExemption = {
  tool: "kube-linter",
  check: "job-ttl-seconds-after-finished",
  reason: "Pulumi owns this Job: a TTL would delete it behind Pulumi's back and the next refresh and up would run it again; it is replaced when its inputs change",
};

/**
 * kube-score's deployment-replicas wants two or more replicas behind a Service. A stack may configure one
 * (staging runs every observability workload as a single instance by design); only then is the check
 * exempted, so a stack with two or more replicas stays checked.
 */
export function singleReplicaExemptions(replicas: number): LintExemption[] {
  if (replicas !== 1) return [];
  return [
    {
      tool: "kube-score",
      check: "deployment-replicas",
      reason: "one replica by stack config: this environment runs its observability workloads as single instances by design; two or more drop this exemption",
    },
  ];
}

/**
 * Checks of different tools that flag the same property: exempt the property once, with one reason, from
 * every tool that flags it (e.g. `exemptConcern("lowUid", "the image's files belong to UID 1000")`).
 */
export const SAME_CONCERN = {
  /** runAsUser/runAsGroup at or below 10000. */
  lowUid: [
    { tool: "kube-score", check: "container-security-context-user-group-id" },
    { tool: "checkov", check: "CKV_K8S_40" },
  ],
  /** A container that must run as root (the log agent reading /var/log/pods). */
  root: [
    { tool: "kube-linter", check: "run-as-non-root" },
    { tool: "checkov", check: "CKV_K8S_23" },
  ],
  /** A Secret read through an environment variable rather than a mounted file. */
  secretInEnv: [
    { tool: "kube-linter", check: "read-secret-from-env-var" },
    { tool: "checkov", check: "CKV_K8S_35" },
  ],
  /** A pod that talks to the Kubernetes API and so mounts its service-account token, on purpose. */
  serviceAccountToken: [{ tool: "checkov", check: "CKV_K8S_38" }],
} satisfies Record<string, { tool: LintTool; check: string }[]>;

export function exemptConcern(concern: keyof typeof SAME_CONCERN, reason: string): LintExemption[] {
  return SAME_CONCERN[concern].map(({ tool, check }) => ({ tool, check, reason }));
}
