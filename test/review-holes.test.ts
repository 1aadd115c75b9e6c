import * as assert from "node:assert/strict";
import { secretBodiesDigest } from "../components/observability/setupJob";
import { loadStackFile } from "../scripts/lib/stackFile";
import { findObject, objectsOfKind, runWith, stackRun, type MockRun } from "./support/runs";
import { checksumAnnotationKey } from "../components/k8s/objectMeta";

type Any = Record<string, any>;

function withServices(stack: string, edit: (services: Record<string, Any>) => void): Promise<MockRun> {
  const raw = loadStackFile(stack);
  const services = structuredClone(raw.values.services) as Record<string, Any>;
  edit(services);
  return runWith(stack, { values: { ...raw.values, services }, secretKeys: raw.secretKeys });
}

describe("two services in the same namespace of their own", () => {
  let run: MockRun;
  before(async () => {
    run = await withServices("staging", (services) => {
      for (const name of ["billing", "invoices"]) {
        const copy: Any = { ...structuredClone(services["items-api"]), namespace: "payments" };
        delete copy.ingress;
        services[name] = copy;
      }
    });
  });

  it("declares the namespace once, with its default-deny and DNS policies once, enrolled in observability", () => {
    const namespaces = objectsOfKind(run, "Namespace").filter((object) => object.metadata.name === "payments");
    assert.equal(namespaces.length, 1);
    assert.equal(namespaces[0].metadata.labels?.["observability.blueprint.io/enrolled"], "true");
    const policies = objectsOfKind(run, "NetworkPolicy").filter((object) => object.metadata.namespace === "payments");
    assert.deepEqual(policies.map((policy) => policy.metadata.name).sort(), ["allow-dns-egress", "billing", "default-deny", "invoices"]);
  });

  it("deploys both services into it", () => {
    for (const name of ["billing", "invoices"]) assert.ok(findObject(run, "Deployment", name, "payments"));
  });

  it("keeps an existing stack's namespace: each possible former owner is an alias", () => {
    const declared = run.resources.find((resource) => resource.type === "kubernetes:core/v1:Namespace" && resource.name === "payments-namespace");
    assert.ok(declared, "no payments namespace resource");
    assert.equal(declared.parent, undefined, "declared at the top level, not under one of its services");
  });
});

describe("the Ingress routes only the API", () => {
  for (const stack of ["staging", "production"] as const) {
    it(`routes /api on ${stack}, never / (so /metrics, /health, /ready and /docs stay inside the cluster)`, async () => {
      const ingress = findObject(await stackRun(stack), "Ingress", "items-api", "apps") as Any;
      const paths = ingress.spec.rules.flatMap((rule: Any) => rule.http.paths.map((path: Any) => `${path.pathType} ${path.path}`));
      assert.deepEqual(paths, ["Prefix /api"]);
    });
  }

  it("refuses a configured path that would publish / or /metrics", async () => {
    for (const path of ["/", "/metrics", "/docs/json"]) {
      await assert.rejects(
        withServices("staging", (services) => (services["items-api"].ingress.paths = [path])),
        /production-blueprint:services\.items-api\.ingress\.paths\.0/,
        path,
      );
    }
  });
});

describe("a changed password re-runs the setup Job", () => {
  it("changes the digest when a secret body changes, and the digest reveals neither body nor a plain hash of it", () => {
    const key = "k".repeat(64);
    const before = secretBodiesDigest(key, { "05-user.json": '{"password":"old-password"}' });
    const after = secretBodiesDigest(key, { "05-user.json": '{"password":"new-password"}' });
    assert.notEqual(before, after);
    assert.equal(before, secretBodiesDigest(key, { "05-user.json": '{"password":"old-password"}' }), "stable for the same bodies");
    assert.notEqual(secretBodiesDigest("another-key", { "05-user.json": '{"password":"old-password"}' }), before, "keyed");
    assert.doesNotMatch(before, /password/);
  });

  for (const job of ["elasticsearch-setup"] as const) {
    it(`puts a keyed digest of the secret bodies on ${job}'s pod template, so a new password changes the template`, async () => {
      const annotations = (findObject(await stackRun("staging"), "Job", job, "observability") as Any).spec.template.metadata.annotations;
      assert.match(annotations[checksumAnnotationKey("secret-bodies")], /^[0-9a-f]{64}$/);
      assert.match(annotations[checksumAnnotationKey("plan")], /^[0-9a-f]{64}$/);
    });
  }
});
