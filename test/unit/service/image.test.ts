import * as assert from "node:assert/strict";
import * as path from "node:path";
import { imageVersion } from "../../../components/service/image";
import { loadStackFile, PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { findObject, runWith, type MockRun } from "../../support/runs";

type Any = Record<string, any>;

describe("the service image", () => {
  describe("APP_VERSION from the image reference", () => {
    const cases: Array<[string, string]> = [
      ["ghcr.io/org/items-api:1.2.3", "1.2.3"],
      ["registry.example.com:5000/team/items-api:2026.11.1", "2026.11.1"],
      [`ghcr.io/org/items-api:1.2.3@sha256:${"a".repeat(64)}`, "1.2.3"],
      [`ghcr.io/org/items-api@sha256:${"0123456789ab".padEnd(64, "c")}`, "sha256-0123456789ab"],
    ];
    for (const [ref, version] of cases) {
      it(`reads ${version} from ${ref.slice(0, 60)}`, () => assert.equal(imageVersion(ref), version));
    }
  });

  describe("with image.build on (staging config, edited)", () => {
    let run: MockRun;
    before(async () => {
      const raw = loadStackFile("staging");
      const values = structuredClone(raw.values) as Any;
      values.services["items-api"].image = { build: true, repository: "registry.example.com/team/items-api", tag: "0.2.0" };
      run = await runWith("staging", { values, secretKeys: raw.secretKeys });
    });

    it("builds app/Dockerfile with @pulumi/docker and pushes it as repository:tag", () => {
      const images = run.resources.filter((resource) => resource.type === "docker:index/image:Image");
      assert.equal(images.length, 1);
      const inputs = images[0].inputs as Any;
      assert.equal(inputs.imageName, "registry.example.com/team/items-api:0.2.0");
      assert.equal(inputs.build.context, path.join(PROJECT_ROOT, "app"));
      assert.equal(inputs.build.dockerfile, path.join(PROJECT_ROOT, "app", "Dockerfile"));
      assert.equal(inputs.skipPush, false);
    });

    it("deploys the pushed image by its repo digest and reports the tag as APP_VERSION", () => {
      const container = (findObject(run, "Deployment", "items-api", "apps") as Any).spec.template.spec.containers[0];
      assert.match(container.image, /^registry\.example\.com\/team\/items-api@sha256:[0-9a-f]{64}$/);
      assert.deepEqual(container.env, [{ name: "APP_VERSION", value: "0.2.0" }]);
    });
  });

  it("declares no image build when config gives a reference (the path rollback relies on)", async () => {
    const raw = loadStackFile("staging");
    const run = await runWith("staging", raw);
    assert.equal(run.resources.filter((resource) => resource.type.startsWith("docker:")).length, 0);
  });
});
