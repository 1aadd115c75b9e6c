import { strict as assert } from "node:assert";
import { COMPONENT_LABEL, SERVICE_COMPONENT } from "../../../components/k8s/labels";
import { IMAGE_DIGEST_POLICY } from "../../../policy/imageDigests";
import { exemptionAnnotation } from "../../../policy/exemptions";
import { evaluatePolicies } from "../../../policy/evaluate";
import { imagesWithoutDigest } from "../../../policy/imageDigests";
import { type Fields, type KubernetesObject, describeObject } from "../../../policy/kubernetes";
import { objectsOf } from "../../support/runs";
import { withServices } from "../../support/stackEdits";
import { compliantContainer, compliantPodSpec, workload } from "../../support/policyFixtures";

const TAG_ONLY = "ghcr.io/production-blueprint/items-api:0.1.0";
const PINNED = `${TAG_ONLY}@sha256:${"ab".repeat(32)}`;

/** A workload running one container of this image, labelled as a service's (component api) or the platform's. */
function running(image: string, owner: "service" | "platform", kind = "Deployment"): KubernetesObject {
  const object = workload(kind, compliantPodSpec([compliantContainer({ image })]));
  if (owner === "service") object.metadata.labels = { [COMPONENT_LABEL]: SERVICE_COMPONENT };
  return object;
}

const ENVIRONMENTS = ["local", "staging", "production"];

describe("policy: images-carry-digests", () => {
  it("refuses a service's tag-only image in production, naming the container and image and how to read the digest", () => {
    const [message, ...rest] = imagesWithoutDigest(running(TAG_ONLY, "service"), { environment: "production" });
    assert.deepEqual(rest, []);
    assert.match(message, new RegExp(`^container 'api' runs image '${TAG_ONLY}' without a digest: a service's image must carry a digest in production`));
    assert.ok(message.includes(`docker buildx imagetools inspect ${TAG_ONLY}`), message);
    assert.ok(message.includes(`crane digest ${TAG_ONLY}`), message);
  });

  it("accepts a service's digest-pinned image in production, and its bare tag in local and staging", () => {
    assert.deepEqual(imagesWithoutDigest(running(PINNED, "service"), { environment: "production" }), []);
    for (const environment of ["local", "staging"]) assert.deepEqual(imagesWithoutDigest(running(TAG_ONLY, "service"), { environment }), [], environment);
  });

  it("refuses a platform image without a digest in every stack, init containers and CronJobs included", () => {
    const cron: KubernetesObject = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c", namespace: "o" }, spec: { jobTemplate: { spec: { template: { spec: compliantPodSpec([compliantContainer({ image: "prom/prometheus:v3.5.0" })]) } } } } };
    const init = running(PINNED, "platform");
    (init.spec as Fields).template.spec.initContainers = [compliantContainer({ name: "fill", image: "busybox:1.37" })];
    for (const environment of ENVIRONMENTS) {
      assert.match(imagesWithoutDigest(running(TAG_ONLY, "platform"), { environment })[0] ?? "", /a platform image must carry a digest in every stack \(components\/images\.ts\)/, environment);
      assert.deepEqual(imagesWithoutDigest(cron, { environment }).length, 1, environment);
      assert.match(imagesWithoutDigest(init, { environment }).join("\n"), /^container 'fill' runs image 'busybox:1\.37' without a digest/, environment);
    }
  });

  it("sets a platform image aside only while its workload carries the exemption with a reason", () => {
    const exempt = running(TAG_ONLY, "platform");
    exempt.metadata.annotations = { [exemptionAnnotation(IMAGE_DIGEST_POLICY)]: "awaits its digest" };
    const result = evaluatePolicies([exempt], { environment: "production" });
    assert.deepEqual(result.violations.filter((violation) => violation.policy === IMAGE_DIGEST_POLICY), []);
    assert.deepEqual(result.exemptions.map((exemption) => `${exemption.policy}: ${exemption.reason}`), [`${IMAGE_DIGEST_POLICY}: awaits its digest`]);
  });
});

describe("policy: images-carry-digests over the committed stacks with the service's image edited", () => {
  // The committed production stack pins items-api by digest; the same stack with the digest removed is refused.
  it("refuses production's items-api Deployment once its ref is a bare tag, and accepts it with the digest", async () => {
    const judge = async (ref: string) => {
      const run = await withServices("production", (services) => {
        (services["items-api"].image as Fields).ref = ref;
      });
      return evaluatePolicies(objectsOf(run), { environment: run.config.environment }).violations.filter((violation) => violation.policy === IMAGE_DIGEST_POLICY);
    };
    const refused = await judge(TAG_ONLY);
    assert.deepEqual(
      refused.map((violation) => describeObject(violation.object)),
      ["Deployment apps/items-api"],
    );
    assert.match(refused[0].message, new RegExp(`container 'items-api' runs image '${TAG_ONLY}' without a digest: a service's image must carry a digest in production.*docker buildx imagetools inspect`));
    assert.deepEqual(await judge(PINNED), []);
  });

  it("accepts staging's items-api Deployment with a bare tag", async () => {
    const run = await withServices("staging", (services) => {
      (services["items-api"].image as Fields).ref = TAG_ONLY;
    });
    const deployment = objectsOf(run).find((object) => object.kind === "Deployment" && object.metadata.name === "items-api");
    assert.equal((deployment?.spec as Fields | undefined)?.template.spec.containers[0].image, TAG_ONLY);
    assert.deepEqual(evaluatePolicies(objectsOf(run), { environment: run.config.environment }).violations, []);
  });
});
