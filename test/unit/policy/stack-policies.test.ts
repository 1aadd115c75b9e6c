import { strict as assert } from "node:assert";
import { credentialSignal, shannonEntropy } from "../../../policy/credentialPatterns";
import { namespacesWithoutDefaultDeny } from "../../../policy/defaultDeny";
import { replicaFloor, replicatedWithoutDisruptionBudget, selectorMatches } from "../../../policy/disruptionBudgets";
import { exemptionAnnotation } from "../../../policy/exemptions";
import { evaluatePolicies } from "../../../policy/evaluate";
import { literalCredentials } from "../../../policy/literalCredentials";
import { PULUMI_SECRET_MARKER } from "../../../policy/secretMarker";
import { APP_LABELS, defaultDeny, namespace, object, workload } from "../../support/policyFixtures";

const messages = (findings: { message: string }[]) => findings.map((finding) => finding.message);

describe("policy: namespace-default-deny (stack)", () => {
  it("passes when every declared namespace has a default-deny policy", () => {
    assert.deepEqual(namespacesWithoutDefaultDeny([namespace("apps"), defaultDeny("apps"), workload("Deployment")]), []);
  });
  it("fails a declared namespace without one, and a namespace that only runs pods", () => {
    const findings = namespacesWithoutDefaultDeny([namespace("observability"), defaultDeny("other"), workload("Deployment")]);
    assert.deepEqual(
      findings.map((finding) => finding.object.metadata.name),
      ["apps", "observability"],
    );
  });
  it("does not count a policy that selects some pods or allows traffic as default-deny", () => {
    const selective = { ...defaultDeny("apps"), spec: { podSelector: { matchLabels: APP_LABELS }, policyTypes: ["Ingress", "Egress"] } };
    const ingressOnly = { ...defaultDeny("apps"), spec: { podSelector: {}, policyTypes: ["Ingress"] } };
    const allowing = { ...defaultDeny("apps"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] } };
    for (const policy of [selective, ingressOnly, allowing]) assert.equal(namespacesWithoutDefaultDeny([namespace("apps"), policy]).length, 1);
  });
  it("honours an exemption annotated on the Namespace", () => {
    const policiesFailed = (objects: Parameters<typeof evaluatePolicies>[0]) => evaluatePolicies(objects, { environment: "staging" }).violations.map((violation) => violation.policy);
    const exempt = namespace("sandbox", { [exemptionAnnotation("namespace-default-deny")]: "throwaway load-test namespace, deleted nightly" });
    assert.deepEqual(policiesFailed([namespace("sandbox")]), ["namespace-default-deny"]);
    assert.deepEqual(policiesFailed([exempt]), []);
  });
});

describe("policy: replicated-workloads-have-pdb (stack)", () => {
  const pdb = (spec: Record<string, unknown>) => object("PodDisruptionBudget", "api", { spec: { selector: { matchLabels: APP_LABELS }, ...spec } });
  const hpa = (minReplicas: number) => object("HorizontalPodAutoscaler", "api", { spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, minReplicas, maxReplicas: 6 } });
  const replicated = workload("Deployment", undefined, { spec: { replicas: 3 } });

  it("counts a Deployment with an HPA by the HPA's minimum, not spec.replicas", () => {
    assert.equal(replicaFloor(workload("Deployment"), [workload("Deployment"), hpa(2)]), 2);
    assert.equal(replicaFloor(replicated, [replicated]), 3);
    assert.equal(replicaFloor(workload("Deployment"), []), 1);
  });
  it("passes a replicated workload with a PDB that allows one eviction, and single replicas without any", () => {
    assert.deepEqual(replicatedWithoutDisruptionBudget([replicated, pdb({ maxUnavailable: 1 })]), []);
    assert.deepEqual(replicatedWithoutDisruptionBudget([workload("Deployment")]), []);
  });
  it("fails an HPA-scaled Deployment (min 2) with no PDB selecting its pods", () => {
    const otherPdb = object("PodDisruptionBudget", "other", { spec: { selector: { matchLabels: { "app.kubernetes.io/name": "other" } }, maxUnavailable: 1 } });
    assert.deepEqual(messages(replicatedWithoutDisruptionBudget([workload("Deployment"), hpa(2), otherPdb])), [
      "runs at least 2 replicas but no PodDisruptionBudget selects its pods",
    ]);
  });
  it("fails a PDB that never allows an eviction (maxUnavailable 0, minAvailable = replicas)", () => {
    for (const spec of [{ maxUnavailable: 0 }, { minAvailable: 3 }, { minAvailable: "100%" }]) {
      assert.deepEqual(messages(replicatedWithoutDisruptionBudget([replicated, pdb(spec)])), ["PodDisruptionBudget 'api' never allows an eviction, which blocks node drains"], JSON.stringify(spec));
    }
  });
  it("applies label-selector semantics: matchExpressions, and a null selector selects nothing", () => {
    const labels = { app: "api", tier: "web" };
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }, { key: "canary", operator: "DoesNotExist" }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, labels), false);
    assert.equal(selectorMatches(undefined, labels), false);
    assert.equal(selectorMatches({}, labels), true);
  });
});

describe("policy: no-literal-credentials", () => {
  const secret = (fields: Record<string, unknown>) => object("Secret", "creds", { type: "Opaque", ...fields });
  const base64 = (text: string) => Buffer.from(text).toString("base64");

  it("passes values the program marked secret (the render's marker) and values unknown until the update", () => {
    assert.deepEqual(literalCredentials(secret({ stringData: { "secret-id": PULUMI_SECRET_MARKER, "api-key": {} }, data: { token: PULUMI_SECRET_MARKER } })), []);
  });
  it("passes plain settings that are not credentials", () => {
    assert.deepEqual(literalCredentials(secret({ stringData: { username: "elastic", host: "vault.vault.svc.cluster.local:8200", port: "9200" } })), []);
  });
  it("fails literal values in known credential formats, in stringData and base64 data", () => {
    const found = literalCredentials(
      secret({
        stringData: { aws: "AKIAIOSFODNN7EXAMPLE", url: "postgres://app:hunter2hunter2@db:5432/app" },
        data: { key: base64("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----") },
      }),
    );
    assert.deepEqual(
      found.map((finding) => finding.split(";")[0]),
      [
        "stringData.aws holds a literal that looks like an AWS access key ID",
        "stringData.url holds a literal that looks like a URL with an embedded password",
        "data.key holds a literal that looks like a PEM private key",
      ],
    );
  });
  it("fails a random-looking literal token, a literal under a credential key, and binary key material", () => {
    const found = literalCredentials(secret({ stringData: { blob: "q7Z2xK9mP4vN8wR1tY6uB3cD5fG0hJ2L" }, data: { "db-password": base64("correct-horse-battery"), keystore: Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x00]).toString("base64") } }));
    assert.equal(found.length, 3);
    assert.match(found[0], /^stringData\.blob holds a literal that is a random-looking token/);
    assert.match(found[1], /^data\.db-password holds a literal that its key 'db-password' names a credential/);
    assert.match(found[2], /^data\.keystore holds a literal that is binary key material/);
  });
  it("scores randomness by Shannon entropy: a repeated character has none, 32 distinct characters have 5 bits", () => {
    assert.equal(shannonEntropy("aaaaaaaa"), 0);
    assert.equal(shannonEntropy("abcdefghijklmnopqrstuvwxyz012345"), 5);
    assert.equal(credentialSignal("value", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"), undefined);
  });
});
