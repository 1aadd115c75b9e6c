import * as assert from "node:assert/strict";
import { secretBodiesDigest } from "../../../components/observability/setupJob";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";
import { findObject, stackRun } from "../../support/runs";

type Any = Record<string, any>;

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
