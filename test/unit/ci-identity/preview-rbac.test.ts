import { strict as assert } from "node:assert";
import { apiGroupOf, KIND_RESOURCES, PREVIEW_VERBS, PREVIEW_WITHHELD_KINDS, previewRbac } from "../../../ci-identity/previewRbac";
import { objectsOf, stackRun } from "../../support/runs";

for (const stack of ["staging", "production"]) {
  describe(`the preview identity's RBAC for the ${stack} render`, () => {
    it("grants get, list and watch only, on exactly the groups and resources of the kinds the render declares, Secrets withheld", async () => {
      const objects = objectsOf(await stackRun(stack));
      const { clusterRole } = previewRbac(objects);
      const verbs = new Set(clusterRole.rules.flatMap((rule) => rule.verbs));
      assert.deepEqual([...verbs].sort(), [...PREVIEW_VERBS].sort());
      const granted = clusterRole.rules.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.map((resource) => `${group}/${resource}`))).sort();
      const readable = objects.filter((object) => !PREVIEW_WITHHELD_KINDS.has(object.kind));
      const declared = [...new Set(readable.map((object) => `${apiGroupOf(object.apiVersion)}/${KIND_RESOURCES[object.kind].resource}`))].sort();
      assert.deepEqual(granted, declared);
      // Every declared object is readable under some rule: the check a real API server would make.
      for (const object of readable) {
        const resource = KIND_RESOURCES[object.kind].resource;
        assert.ok(
          clusterRole.rules.some((rule) => rule.apiGroups.includes(apiGroupOf(object.apiVersion)) && rule.resources.includes(resource) && rule.verbs.includes("get")),
          `${object.kind} ${object.metadata.name} cannot be read`,
        );
      }
      assert.ok(granted.includes("apps/deployments"), `the render's workloads are covered: ${granted.join(", ")}`);
      // The render does declare Secrets; their values are what a pull request's code must not read.
      assert.ok(objects.some((object) => object.kind === "Secret"), "the render declares no Secret, so this test shows nothing about them");
      assert.ok(!granted.includes("/secrets"), `the preview identity may read Secrets: ${granted.join(", ")}`);
      console.log(`      ${stack}: ${objects.length} objects, ${granted.length} resources in ${clusterRole.rules.length} groups`);
    });

    it("has no wildcard and binds the ClusterRole to its ServiceAccount only", async () => {
      const rbac = previewRbac(objectsOf(await stackRun(stack)));
      for (const rule of rbac.clusterRole.rules) for (const value of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) assert.notEqual(value, "*");
      assert.deepEqual(rbac.clusterRoleBinding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: rbac.clusterRole.metadata.name });
      assert.deepEqual(rbac.clusterRoleBinding.subjects, [{ kind: "ServiceAccount", name: rbac.serviceAccount.metadata.name, namespace: rbac.serviceAccount.metadata.namespace }]);
      assert.deepEqual(rbac.objects.map((object) => object.kind), ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"]);
    });
  });
}

describe("previewRbac on kinds it does not know", () => {
  it("throws naming a kind the table lacks", () => {
    assert.throws(() => previewRbac([{ apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" } }]), /kind ServiceMonitor \(monitoring\.coreos\.com\/v1\)/);
  });

  it("throws when a known kind comes from another API group", () => {
    assert.throws(() => previewRbac([{ apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "i" } }]), /kind Ingress is declared in API group 'extensions'/);
  });
});
