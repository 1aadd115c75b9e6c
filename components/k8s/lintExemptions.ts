/**
 * Exemptions from the third-party manifest checks (scripts/lint-manifests.ts), written as annotations on
 * the object they concern, each with its one-line reason. docs/exemptions.md lists them all; a test keeps
 * that list in step with the renders.
 */
// The tool is in the key's prefix, so the name part is the check id alone and always fits the 63
// characters Kubernetes allows there (kube-score ids alone reach 60).
export const LINT_EXEMPTION_DOMAIN = "lint-exemption.blueprint.io";

export const LINT_TOOLS = ["kube-linter", "kube-score", "checkov", "kubeconform"] as const;
export type LintTool = (typeof LINT_TOOLS)[number];

export interface LintExemption {
  tool: LintTool;
  /** The tool's own check id: kube-linter check name, kube-score test id, checkov CKV id. */
  check: string;
  reason: string;
}

export function lintExemptionKey(tool: string, check: string): string {
  return `${tool}.${LINT_EXEMPTION_DOMAIN}/${check}`;
}

/** `<tool>.lint-exemption.blueprint.io/<check>: <reason>` annotations. */
export function lintExemptionAnnotations(exemptions: LintExemption[]): Record<string, string> {
  return Object.fromEntries(exemptions.map((exemption) => [lintExemptionKey(exemption.tool, exemption.check), exemption.reason]));
}

/**
 * The one contradiction between the tools: kube-score (and DESIGN §4) want no `replicas` on a workload an
 * HPA scales, or every `pulumi up` fights the HPA; kube-linter's minimum-three-replicas reads the absent
 * field as 1. We follow kube-score, and exempt exactly the HPA-scaled workloads from kube-linter's check.
 */
export const HPA_OWNS_REPLICAS: LintExemption = {
  tool: "kube-linter",
  check: "minimum-three-replicas",
  reason: "spec.replicas is unset on purpose because the HPA owns the count (minReplicas 2 or more); kube-linter reads the unset field as 1",
};

/**
 * checkov CKV_K8S_43 wants every image pinned by digest. Stack config may pin by exact tag instead (never
 * `latest`; pulls are Always); such a workload carries this exemption, and a digest in config removes it.
 */
export function imageDigestExemptions(imageRefs: string[]): LintExemption[] {
  if (imageRefs.every((ref) => ref.includes("@sha256:"))) return [];
  return [
    {
      tool: "checkov",
      check: "CKV_K8S_43",
      reason: "the image is pinned by an exact version tag from stack config (never latest); configure ref@sha256:<digest> to pin the digest and drop this exemption",
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
  /** A pod that talks to the Kubernetes API and so mounts its service-account token (DESIGN §5). */
  serviceAccountToken: [{ tool: "checkov", check: "CKV_K8S_38" }],
} satisfies Record<string, { tool: LintTool; check: string }[]>;

export function exemptConcern(concern: keyof typeof SAME_CONCERN, reason: string): LintExemption[] {
  return SAME_CONCERN[concern].map(({ tool, check }) => ({ tool, check, reason }));
}
