/**
 * The one grammar of an exemption annotation, for every checker that honours one:
 *
 *     <checker>.exemption.blueprint.io/<check>: <one-line reason>
 *
 * `<checker>` is `policy` for the policy pack (policy/), or a manifest checker (kube-linter, kube-score,
 * checkov, kubeconform); `<check>` is the pack's policy name or the tool's own check id. The checker is in
 * the key's prefix, so the name part is the check alone and always fits the 63 characters Kubernetes allows
 * there (kube-score's ids reach 60). This module has no dependencies: the policy pack loads it too.
 */
export const EXEMPTION_DOMAIN = "exemption.blueprint.io";

/** The checker name of the policy pack in an exemption key. */
export const POLICY_CHECKER = "policy";

export function exemptionKey(checker: string, check: string): string {
  return `${checker}.${EXEMPTION_DOMAIN}/${check}`;
}

export interface ExemptionKey {
  checker: string;
  check: string;
}

/**
 * Keys of the earlier grammars, still read because live objects may carry them until the next `pulumi up`
 * rewrites their annotations: `<tool>.lint-exemption.blueprint.io/<check>`, `blueprint.io/policy-exemption.<policy>`
 * and `blueprint.io/pod-security-exemption` (the pack's `pod-security-restricted`).
 */
function legacyExemptionKey(key: string): ExemptionKey | undefined {
  if (key === "blueprint.io/pod-security-exemption") return { checker: POLICY_CHECKER, check: "pod-security-restricted" };
  if (key.startsWith("blueprint.io/policy-exemption.")) return { checker: POLICY_CHECKER, check: key.slice("blueprint.io/policy-exemption.".length) };
  const lint = /^(.*)\.lint-exemption\.blueprint\.io\/(.*)$/.exec(key);
  return lint ? { checker: lint[1], check: lint[2] } : undefined;
}

/** The checker and check an annotation key names, in the grammar above or an earlier one; undefined for any other key. */
export function parseExemptionKey(key: string): ExemptionKey | undefined {
  const [prefix, check, ...rest] = key.split("/");
  const suffix = `.${EXEMPTION_DOMAIN}`;
  if (rest.length === 0 && prefix.endsWith(suffix)) return { checker: prefix.slice(0, -suffix.length), check: check ?? "" };
  return legacyExemptionKey(key);
}
