import { strict as assert } from "node:assert";
import { DIGEST, PLATFORM_IMAGES, hasDigest, imageReference } from "../../../components/images";
import { COMPONENT_LABEL, SERVICE_COMPONENT } from "../../../components/k8s/labels";
import { IMAGE_DIGEST_POLICY } from "../../../policy/imageDigests";
import { exemptionAnnotation } from "../../../policy/exemptions";
import { type Fields, type KubernetesObject, containersOf, describeObject, podSpecOf } from "../../../policy/kubernetes";
import { pullPolicyFor, secureContainer, DEFAULT_RUN_AS } from "../../../components/k8s/podSpec";
import * as pulumi from "@pulumi/pulumi";
import { STACKS, objectsOf, stackRun } from "../../support/runs";

interface RenderedContainer {
  object: KubernetesObject;
  container: Fields;
  isService: boolean;
}

/** Every container of every pod-making object (init containers, Jobs and CronJobs included). */
function containersOfRender(objects: KubernetesObject[]): RenderedContainer[] {
  return objects.flatMap((object) => {
    const podSpec = podSpecOf(object);
    const isService = object.metadata.labels?.[COMPONENT_LABEL] === SERVICE_COMPONENT;
    return podSpec ? containersOf(podSpec, "all").map((container) => ({ object, container, isService })) : [];
  });
}

const PLATFORM_REFS = new Map(Object.values(PLATFORM_IMAGES).map((image) => [imageReference(image), image]));

describe("components/images.ts, the one home of the platform's images", () => {
  it("records each image as name and tag with a sha256 digest and where it was read", () => {
    for (const [key, image] of Object.entries(PLATFORM_IMAGES)) {
      assert.match(image.tag, /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, key);
      assert.notEqual(image.tag, "latest", key);
      assert.match(image.digest, DIGEST, key);
      assert.ok(image.source.length > 20, `${key}: names where its digest was read`);
      assert.equal(imageReference(image), `${image.name}:${image.tag}@${image.digest}`);
    }
  });

});

describe("image pins over the renders", () => {
  for (const stack of STACKS) {
    it(`${stack}: every platform container runs an image of components/images.ts, by digest`, async () => {
      const platform = containersOfRender(objectsOf(await stackRun(stack))).filter(({ isService }) => !isService);
      assert.ok(platform.length > 10, `${stack}: the render holds the platform's containers`);
      for (const { object, container } of platform) {
        const where = `${stack}: ${describeObject(object)} container ${container.name}`;
        const image = PLATFORM_REFS.get(container.image);
        assert.ok(image, `${where} runs '${container.image}', which is not in components/images.ts`);
        assert.ok(hasDigest(container.image), where);
        assert.equal(object.metadata.annotations?.[exemptionAnnotation(IMAGE_DIGEST_POLICY)], undefined, `${where}: exempt from ${IMAGE_DIGEST_POLICY}`);
      }
      const used = new Set(platform.map(({ container }) => container.image));
      assert.deepEqual([...PLATFORM_REFS.keys()].filter((ref) => !used.has(ref)), [], `${stack}: components/images.ts lists an image no workload runs`);
    });

    it(`${stack}: each container's pull policy follows its pin (IfNotPresent for a digest, Always for a bare tag)`, async () => {
      const all = containersOfRender(objectsOf(await stackRun(stack)));
      for (const { object, container } of all) {
        assert.equal(container.imagePullPolicy, pullPolicyFor(container.image), `${stack}: ${describeObject(object)} container ${container.name} (${container.image})`);
      }
      assert.ok(all.some(({ container }) => container.imagePullPolicy === "IfNotPresent"), `${stack}: no digest-pinned container`);
    });
  }

  it("production: every container carries a digest, the service's included", async () => {
    const all = containersOfRender(objectsOf(await stackRun("production")));
    assert.ok(all.some(({ isService, container }) => isService && hasDigest(container.image)), "production's service runs by digest");
    assert.deepEqual(
      all.filter(({ container }) => !hasDigest(container.image)).map(({ object, container }) => `${describeObject(object)} ${container.name} ${container.image}`),
      [],
      "production containers without a digest",
    );
  });

  it("staging: the service runs by its bare tag, pulled Always", async () => {
    const service = containersOfRender(objectsOf(await stackRun("staging"))).filter(({ isService }) => isService);
    assert.ok(service.length > 0);
    for (const { container } of service) assert.deepEqual([hasDigest(container.image), container.imagePullPolicy], [false, "Always"], container.image);
  });
});

describe("pull policy of a computed image (a built image's repo digest)", () => {
  it("is IfNotPresent once the Output resolves to a digest, Always for a tag", async () => {
    const policyOf = (image: string) => {
      const container = secureContainer({ name: "c", image: pulumi.output(image), resources: { requests: { cpu: "1m", memory: "1Mi", ephemeralStorage: "1Mi" }, limits: { cpu: "1m", memory: "1Mi", ephemeralStorage: "1Mi" } } }, DEFAULT_RUN_AS);
      return new Promise((resolve) => pulumi.output(container.imagePullPolicy).apply(resolve));
    };
    assert.equal(await policyOf(`r.example/app@sha256:${"0".repeat(64)}`), "IfNotPresent");
    assert.equal(await policyOf("r.example/app:1.0.0"), "Always");
  });
});
