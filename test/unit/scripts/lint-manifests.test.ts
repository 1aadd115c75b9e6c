import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { exemptionKey } from "../../../components/k8s/exemptionKeys";
import { exemptConcern, imageDigestExemptions, lintExemptionAnnotations, singleReplicaExemptions } from "../../../components/k8s/lintExemptions";
import { COMPONENT_LABEL, SERVICE_COMPONENT } from "../../../components/k8s/labels";
import { EXEMPTIONS_DOC, LINTED_STACKS } from "../../../scripts/lint-manifests";
import { type KubernetesObject, describeObject } from "../../../policy/kubernetes";
import { type AnnotatedLintExemption, applyExemptions, exemptionsMarkdown, exemptionsOf, type LintFinding } from "../../../scripts/lib/exemptions";
import { CHECKERS, checkRender } from "../../../scripts/lib/manifestCheckers";
import { manifestFileName } from "../../../scripts/lib/manifests";
import { kubeconformSchemas, schemaFileName } from "../../../toolchain/manifest-tools/kubeconformSchemas";
import { loadPins, missingTools } from "../../../toolchain/manifest-tools/manifestTools";
import { findObject, objectsOf, stackRun } from "../../support/runs";

type Any = any;

const deployment = (annotations: Record<string, string> = {}): KubernetesObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "items-api", namespace: "apps", annotations },
});

describe("manifest check exemptions", () => {
  it("docs/exemptions.md lists exactly the exemption annotations of the staging and production renders", async () => {
    const stacks = [];
    for (const stack of LINTED_STACKS) stacks.push({ stack, objects: objectsOf(await stackRun(stack)) });
    assert.equal(fs.readFileSync(EXEMPTIONS_DOC, "utf8"), exemptionsMarkdown(stacks), "regenerate it: npm run lint-manifests -- --write-exemptions-doc");
  });

  it("exempts kube-score's replica check only on Deployments configured with one replica, so production stays checked", async () => {
    assert.deepEqual(singleReplicaExemptions(2), []);
    assert.deepEqual(singleReplicaExemptions(1).map((exemption) => `${exemption.tool} ${exemption.check}`), ["kube-score deployment-replicas"]);
    for (const stack of LINTED_STACKS) {
      for (const object of objectsOf(await stackRun(stack)).filter((candidate) => candidate.kind === "Deployment")) {
        const exempted = exemptionsOf(object).some((exemption) => exemption.check === "deployment-replicas");
        if (exempted) assert.equal((object.spec as Any).replicas, 1, `${stack} ${object.metadata.name}`);
      }
    }
    // Grafana alone runs one replica in production, by the config schema's rule (docs/observability.md, Grafana).
    const production = objectsOf(await stackRun("production")).filter((object) => object.kind === "Deployment");
    const exemptedInProduction = production.filter((object) => exemptionsOf(object).some((exemption) => exemption.check === "deployment-replicas"));
    assert.deepEqual(exemptedInProduction.map((object) => object.metadata.name), ["grafana"]);
  });

  it("exempts no platform workload from checkov's digest check: every platform image carries its digest", async () => {
    for (const stack of ["staging", "production"]) {
      const platform = objectsOf(await stackRun(stack)).filter((object) => object.metadata.labels?.[COMPONENT_LABEL] !== SERVICE_COMPONENT);
      assert.ok(platform.some((object) => object.metadata.name === "vector-aggregator"), stack);
      assert.deepEqual(
        platform.filter((object) => exemptionsOf(object).some((exemption) => exemption.check === "CKV_K8S_43")).map((object) => `${object.kind}/${object.metadata.name}`),
        [],
        `${stack}: platform workloads exempt from CKV_K8S_43`,
      );
    }
  });

  it("exempts an image from checkov's digest check only while config pins it by tag alone: staging's service, never production's", async () => {
    assert.deepEqual(imageDigestExemptions(["ghcr.io/x/items-api:0.1.0"]).map((exemption) => exemption.check), ["CKV_K8S_43"]);
    assert.deepEqual(imageDigestExemptions([`ghcr.io/x/items-api:0.1.0@sha256:${"a".repeat(64)}`]), []);
    // A malformed digest is no digest.
    assert.equal(imageDigestExemptions(["ghcr.io/x/items-api:0.1.0@sha256:abc"]).length, 1);
    const service = async (stack: string) => findObject(await stackRun(stack), "Deployment", "items-api", "apps");
    assert.match(exemptionsOf(await service("staging")).find((exemption) => exemption.check === "CKV_K8S_43")?.reason ?? "", /from stack config, allowed outside production/);
    assert.equal(exemptionsOf(await service("production")).find((exemption) => exemption.check === "CKV_K8S_43"), undefined);
  });

  it("exempts one concern, with one reason, from every tool that flags it", () => {
    assert.deepEqual(exemptConcern("lowUid", "image UID 1000"), [
      { tool: "kube-score", check: "container-security-context-user-group-id", reason: "image UID 1000" },
      { tool: "checkov", check: "CKV_K8S_40", reason: "image UID 1000" },
    ]);
  });

  it("exempts a finding only for the same tool, check and object, and reports an exemption that matched nothing as stale", () => {
    const exemption: AnnotatedLintExemption = { tool: "kube-linter", check: "minimum-three-replicas", object: "Deployment apps/items-api", reason: "HPA" };
    const finding = (overrides: Partial<LintFinding>): LintFinding => ({ tool: "kube-linter", check: "minimum-three-replicas", object: "Deployment apps/items-api", message: "m", ...overrides });
    const other = [finding({ tool: "kube-score" }), finding({ check: "no-anti-affinity" }), finding({ object: "Deployment apps/other" })];
    const outcome = applyExemptions([finding({}), ...other], [exemption]);
    assert.deepEqual(outcome.exempted.map((entry) => entry.finding), [finding({})]);
    assert.deepEqual(outcome.unexempted, other);
    assert.deepEqual(applyExemptions(other, [exemption]).stale, [exemption]);
  });

  it("reads the tool, check and reason from the annotation key and value", () => {
    const object = deployment(lintExemptionAnnotations([{ tool: "checkov", check: "CKV_K8S_21", reason: " why " }]));
    assert.deepEqual(exemptionsOf(object), [{ tool: "checkov", check: "CKV_K8S_21", object: "Deployment apps/items-api", reason: "why" }]);
    assert.deepEqual(exemptionsOf(deployment({ [exemptionKey("policy", "x")]: "not ours", "blueprint.io/policy-exemption.y": "not ours either" })), []);
  });

  it("rejects an exemption with an unknown tool, no check, or no one-line reason, naming the object and key", () => {
    assert.throws(() => exemptionsOf(deployment({ [exemptionKey("kubelint", "x")]: "r" })), /Deployment apps\/items-api, annotation kubelint\.exemption\.blueprint\.io\/x: unknown tool 'kubelint'/);
    assert.throws(() => exemptionsOf(deployment({ [exemptionKey("checkov", "")]: "r" })), /must name the check/);
    assert.throws(() => exemptionsOf(deployment({ [exemptionKey("checkov", "CKV_K8S_21")]: "  " })), /one-line reason/);
    assert.throws(() => exemptionsOf(deployment({ [exemptionKey("checkov", "CKV_K8S_21")]: "two\nlines" })), /one-line reason/);
  });

  it("keeps every exemption key's name part within the 63 characters Kubernetes allows", async () => {
    for (const stack of LINTED_STACKS) {
      for (const object of objectsOf(await stackRun(stack))) {
        for (const key of Object.keys(object.metadata.annotations ?? {})) assert.ok(key.split("/").pop()!.length <= 63, `${describeObject(object)}: ${key}`);
      }
    }
  });
});

describe("reading the manifest checkers' output", () => {
  const objectOf = (file: string) => `object in ${path.basename(file)}`;
  const run = (stdout: unknown, status = 1) => ({ stdout: typeof stdout === "string" ? stdout : JSON.stringify(stdout), stderr: "boom", status });

  it("turns each tool's JSON report into findings with the tool's own message", () => {
    const kubeLinter = CHECKERS["kube-linter"].parse(
      run({ Reports: [{ Check: "latest-tag", Remediation: "Pin it.", Diagnostic: { Message: "uses latest" }, Object: { Metadata: { FilePath: "/r/a.yaml" } } }] }),
      objectOf,
      ["/r/a.yaml", "/r/b.yaml"],
    );
    assert.deepEqual(kubeLinter, { objectsChecked: 2, findings: [{ tool: "kube-linter", check: "latest-tag", object: "object in a.yaml", message: "uses latest (Pin it.)" }] });
    const kubeScore = CHECKERS["kube-score"].parse(
      run([{ file_name: "a.yaml", checks: [
        { check: { id: "pod-probes", name: "Pod Probes" }, grade: 1, skipped: false, comments: [{ path: "c", summary: "no probe", description: "add one" }] },
        { check: { id: "ok", name: "OK" }, grade: 10, skipped: false, comments: [] },
        { check: { id: "skipped", name: "Skipped" }, grade: 1, skipped: true, comments: [] },
      ] }]),
      objectOf,
      [],
    );
    assert.deepEqual(kubeScore.findings, [{ tool: "kube-score", check: "pod-probes", object: "object in a.yaml", message: "Pod Probes; c: no probe — add one" }]);
    const kubeconform = CHECKERS.kubeconform.parse(
      run({ resources: [{ filename: "a.yaml", status: "statusInvalid", msg: "", validationErrors: [{ path: "/spec", msg: "bad" }] }, { filename: "b.yaml", status: "statusValid", msg: "" }], summary: { valid: 1, invalid: 1, errors: 0, skipped: 0 } }),
      objectOf,
      [],
    );
    assert.deepEqual(kubeconform, { objectsChecked: 2, findings: [{ tool: "kubeconform", check: "invalid", object: "object in a.yaml", message: "/spec: bad" }] });
  });

  it("fails rather than reading a crash, unparsable input or an empty run as 'no findings'", () => {
    assert.throws(() => CHECKERS["kube-score"].parse(run("panic: runtime error"), objectOf, []), /kube-score did not print JSON \(exit 1\):\nboom/);
    const parsingError = { results: { failed_checks: [], parsing_errors: ["/r/a.yaml"] }, summary: { resource_count: 0, parsing_errors: 1 } };
    assert.throws(() => CHECKERS.checkov.parse(run(parsingError), objectOf, []), /checkov could not parse: \/r\/a.yaml/);
    assert.throws(() => CHECKERS.checkov.parse(run({ passed: 0, failed: 0 }), objectOf, []), /checkov found nothing to check/);
  });
});

describe("kubeconform schemas from the Kubernetes OpenAPI spec", () => {
  const spec = {
    definitions: {
      "io.k8s.api.apps.v1.Deployment": {
        type: "object",
        "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
        properties: { apiVersion: { type: "string" }, kind: { type: "string" }, spec: { $ref: "#/definitions/io.k8s.api.apps.v1.DeploymentSpec" } },
      },
      "io.k8s.api.apps.v1.DeploymentSpec": {
        type: "object",
        properties: { maxSurge: { $ref: "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString" }, self: { $ref: "#/definitions/io.k8s.api.apps.v1.DeploymentSpec" } },
      },
      "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { type: "string", format: "int-or-string" },
    },
  };

  it("names each file the way kubeconform looks it up: kind, first label of the group, version", () => {
    assert.equal(schemaFileName({ group: "apps", version: "v1", kind: "Deployment" }), "deployment-apps-v1.json");
    assert.equal(schemaFileName({ group: "", version: "v1", kind: "Service" }), "service-v1.json");
    assert.equal(schemaFileName({ group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy" }), "networkpolicy-networking-v1.json");
  });

  it("inlines references, forbids unknown fields, accepts int-or-string, pins apiVersion/kind and cuts recursion", () => {
    const [file] = kubeconformSchemas(spec as Any);
    const schema = file.schema as Any;
    assert.equal(file.fileName, "deployment-apps-v1.json");
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.properties.apiVersion.enum, ["apps/v1"]);
    assert.deepEqual(schema.properties.kind.enum, ["Deployment"]);
    assert.equal(schema.properties.spec.additionalProperties, false);
    assert.deepEqual(schema.properties.spec.properties.maxSurge, { oneOf: [{ type: "string" }, { type: "integer" }] });
    assert.deepEqual(schema.properties.spec.properties.self, {});
  });

  it("refuses a spec without kinds, and a reference to a missing definition", () => {
    assert.throws(() => kubeconformSchemas({ definitions: {} }), /defines no kinds/);
    const broken = { definitions: { ...spec.definitions, "io.k8s.api.apps.v1.DeploymentSpec": { properties: { x: { $ref: "#/definitions/nope" } } } } };
    assert.throws(() => kubeconformSchemas(broken as Any), /\$ref #\/definitions\/nope names no definition/);
  });
});

// Runs the real tools (seconds each, checkov the slowest), so only in `npm run test:lint-manifests` (the unit
// run's .mocharc.json leaves this file out). A missing tool fails the tests, naming it; nothing is skipped.
describe("each manifest checker fails the rendered Deployment with its memory limit removed", function () {
  const pins = loadPins();
  let renderDir: string;
  let intact: KubernetesObject;
  let broken: KubernetesObject;

  before(async function () {
    const missing = missingTools(pins);
    const reason = process.env.LINT_MANIFEST_TOOLS !== "1"
      ? "the tools run only in `npm run test:lint-manifests` (LINT_MANIFEST_TOOLS=1)"
      : missing.length ? `not installed: ${missing.join(", ")} (bash toolchain/manifest-tools/install.sh)` : undefined;
    if (reason) throw new Error(`the manifest checkers cannot run: ${reason}`);
    intact = findObject(await stackRun("staging"), "Deployment", "items-api");
    // The deliberate break: `limits` misspelt as `limit`, so the container has no memory (or CPU) limit.
    broken = structuredClone(intact);
    const resources = (broken.spec as Any).template.spec.containers[0].resources;
    resources.limit = resources.limits;
    delete resources.limit.memory;
    delete resources.limits;
    renderDir = fs.mkdtempSync(path.join(os.tmpdir(), "lint-manifests-test-"));
  });

  after(() => renderDir && fs.rmSync(renderDir, { recursive: true, force: true }));

  function check(tool: Parameters<typeof checkRender>[0], object: KubernetesObject): LintFinding[] {
    const dir = fs.mkdtempSync(path.join(renderDir, `${tool}-`));
    fs.writeFileSync(path.join(dir, manifestFileName(object)), stringify(object));
    return checkRender(tool, dir, [object], pins).findings;
  }

  const cases: { tool: Parameters<typeof checkRender>[0]; check: string; message: RegExp }[] = [
    { tool: "kube-linter", check: "unset-memory-requirements", message: /container "items-api" has memory limit 0/ },
    { tool: "kube-score", check: "container-resources", message: /Memory limit is not set/ },
    { tool: "checkov", check: "CKV_K8S_13", message: /Memory limits should be set/ },
    { tool: "kubeconform", check: "invalid", message: /additional properties 'limit' not allowed/ },
  ];
  for (const { tool, check: checkId, message } of cases) {
    it(`${tool} reports ${checkId} on the broken Deployment and nothing of the kind on the intact one`, () => {
      const findings = check(tool, broken);
      const finding = findings.find((candidate) => candidate.check === checkId);
      assert.ok(finding, `${tool} did not report ${checkId}; it reported: ${JSON.stringify(findings, null, 2)}`);
      assert.equal(finding.object, "Deployment apps/items-api");
      assert.match(finding.message, message);
      assert.deepEqual(check(tool, intact).filter((candidate) => candidate.check === checkId), []);
    });
  }
});
