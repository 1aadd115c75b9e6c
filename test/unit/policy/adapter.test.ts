import { strict as assert } from "node:assert";
import * as proxyModule from "@pulumi/policy/proxy";
import { SECRET_PLACEHOLDER } from "../../../scripts/lib/stackFile";
import { PULUMI_SECRET_MARKER } from "../../../policy/secretMarker";
import { UNKNOWN_VALUE, environmentFrom, kubernetesObjectOf, kubernetesObjectsOfStack, toPlainData } from "../../../policy/sdkAdapter";
import { unpinnedImages } from "../../../policy/imageTags";
import { literalCredentials } from "../../../policy/literalCredentials";
import { compliantContainer, compliantPodSpec, workload } from "../../support/policyFixtures";

// The SDK's own proxy and unknown sentinels (internal in its typings), so these tests feed the adapter
// exactly what `pulumi preview` feeds the pack.
const sdk = proxyModule as unknown as {
  unknownCheckingProxy<T>(value: T): T;
  unknownStringValue: unknown;
  unknownArrayValue: unknown;
};

describe("policy pack SDK adapter", () => {
  it("spells the secret marker exactly as the offline render does", () => {
    assert.equal(PULUMI_SECRET_MARKER, SECRET_PLACEHOLDER);
  });

  it("copies SDK inputs to plain data, replacing values unknown at preview instead of throwing", () => {
    const deployment = workload("Deployment", compliantPodSpec([compliantContainer({ image: sdk.unknownStringValue, args: sdk.unknownArrayValue })]));
    const props = sdk.unknownCheckingProxy(deployment as Record<string, unknown>);
    assert.throws(() => JSON.stringify(props), /can't be known during preview/);
    const plain = toPlainData(props) as typeof deployment;
    const container = (plain.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
    assert.equal(container.image, UNKNOWN_VALUE);
    assert.deepEqual(container.args, []);
    assert.deepEqual(unpinnedImages(plain), []);
  });

  it("reads Kubernetes objects only, naming an auto-named object by its resource name", () => {
    assert.equal(kubernetesObjectOf({ type: "random:index/randomBytes:RandomBytes", name: "key", props: { length: 32 } }), undefined);
    assert.equal(kubernetesObjectOf({ type: "kubernetes:core/v1:ConfigMap", name: "settings", props: { apiVersion: "v1", kind: "ConfigMap", metadata: {} } })?.metadata.name, "settings");
  });

  it("marks Secret data computed from another resource as secret, and leaves literal data to be judged", () => {
    const secretProps = { apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "apps" }, stringData: { token: "q7Z2xK9mP4vN8wR1tY6uB3cD5fG0hJ2L" } };
    const [generated, literal] = kubernetesObjectsOfStack([
      { type: "kubernetes:core/v1:Secret", name: "generated", urn: "urn:a", props: sdk.unknownCheckingProxy(secretProps), propertyDependencies: { stringData: [{ urn: "urn:random" }] } },
      { type: "kubernetes:core/v1:Secret", name: "literal", urn: "urn:b", props: sdk.unknownCheckingProxy(secretProps), propertyDependencies: {} },
    ]);
    assert.deepEqual(generated.object.stringData, { token: PULUMI_SECRET_MARKER });
    assert.deepEqual(literalCredentials(generated.object), []);
    assert.equal(literalCredentials(literal.object).length, 1);
    assert.equal(literal.urn, "urn:b");
  });

  it("takes the environment from the <project>:environment config key, else from the stack name", () => {
    const config = JSON.stringify({ "production-blueprint:environment": "production", "production-blueprint:vaultToken": "not-read" });
    assert.equal(environmentFrom({ PULUMI_PROJECT: "production-blueprint", PULUMI_STACK: "prod-eu", PULUMI_CONFIG: config }), "production");
    assert.equal(environmentFrom({ PULUMI_PROJECT: "production-blueprint", PULUMI_STACK: "staging" }), "staging");
    assert.throws(() => environmentFrom({ PULUMI_CONFIG: "{" }), /PULUMI_CONFIG is not valid JSON/);
  });
});
