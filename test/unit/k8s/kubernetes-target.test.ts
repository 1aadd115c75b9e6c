import * as assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../../../components/stackConfig";
import { kubernetesTarget, LOCAL_CLUSTER_KUBECONFIG_ENV } from "../../../components/k8s/providerTarget";
import { STATEFULSET_IMMUTABLE_FIELDS, statefulSetReplacement } from "../../../components/k8s/statefulSetReplacement";
import { loadStackFile } from "../../../scripts/lib/stackFile";

describe("where the Kubernetes provider sends objects (components/k8s/providerTarget.ts)", () => {
  const root = "/project";

  it("renders the local stack to its directory, unless the local cluster's kubeconfig is set", () => {
    assert.deepEqual(kubernetesTarget("local", { renderYamlToDirectory: "rendered/local" }, root, {}), { renderYamlToDirectory: "/project/rendered/local" });
    assert.deepEqual(kubernetesTarget("local", { renderYamlToDirectory: "rendered/local" }, root, { [LOCAL_CLUSTER_KUBECONFIG_ENV]: ".cluster/kubeconfig" }), {
      kubeconfig: "/project/.cluster/kubeconfig",
    });
  });

  it("never lets the environment variable redirect staging or production", () => {
    const env = { [LOCAL_CLUSTER_KUBECONFIG_ENV]: "/elsewhere" };
    assert.deepEqual(kubernetesTarget("staging", { context: "staging-ctx" }, root, env), { context: "staging-ctx" });
    assert.deepEqual(kubernetesTarget("production", { kubeconfig: "kc", context: "prod" }, root, env), { kubeconfig: "/project/kc", context: "prod" });
  });

  it("rejects a stack that both renders and deploys, naming the key", () => {
    const raw = loadStackFile("local");
    const values = structuredClone(raw.values) as Record<string, any>;
    values.kubernetes.kubeconfig = "kc";
    assert.throws(() => parseConfig({ values, secretKeys: raw.secretKeys }, "local"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /production-blueprint:kubernetes: renderYamlToDirectory and kubeconfig exclude each other/);
      return true;
    });
  });
});

describe("StatefulSets are replaced, not updated, when an immutable field changes", () => {
  it("adds replaceOnChanges for the fields the API server refuses to update, and deletes the old object first (fixed names)", () => {
    const opts = statefulSetReplacement({ replaceOnChanges: ["metadata.labels"] });
    assert.deepEqual(opts.replaceOnChanges, ["metadata.labels", ...STATEFULSET_IMMUTABLE_FIELDS]);
    assert.ok(STATEFULSET_IMMUTABLE_FIELDS.includes("spec.volumeClaimTemplates"));
    assert.equal(opts.deleteBeforeReplace, true);
  });
});
