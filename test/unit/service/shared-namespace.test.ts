import * as assert from "node:assert/strict";
import { findObject, objectsOfKind, type MockRun } from "../../support/runs";
import { withServices } from "../../support/stackEdits";

type Any = Record<string, any>;

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
