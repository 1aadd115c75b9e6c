import * as assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { runScript } from "../../support/commands";

describe("npm run ci-identity: the operators' documents for a stack", () => {
  it("state-roles prints the stack's deploy and preview roles, each trusting its own jobs and scoped to its own state", () => {
    const run = runScript("ci-identity", ["state-roles", "--stack", "production", "--repo", "acme/platform", "--bucket", "acme-state", "--account", "123456789012"]);
    assert.equal(run.status, 0, run.stderr);
    const roles = JSON.parse(run.stdout) as { role: string; trustPolicy: unknown; permissionPolicy: unknown }[];
    assert.deepEqual(roles.map((role) => role.role), ["pulumi-state-deploy-production", "pulumi-state-preview-production"]);
    const [deploy, preview] = roles.map((role) => JSON.stringify(role));
    assert.match(deploy, /environment:production:ref:refs\/heads\/main:job_workflow_ref:acme\/platform\/\.github\/workflows\/deploy\.yml@refs\/heads\/main/);
    assert.match(preview, /environment:production-preview:ref:refs\/pull\/\*\/merge/);
    for (const text of [deploy, preview]) {
      assert.match(text, /arn:aws:s3:::acme-state\/\.pulumi\/stacks\/production-blueprint\/production\.json/);
      assert.doesNotMatch(text, /staging/, "a production role names staging's state");
    }
  });

  it("preview-rbac prints YAML for kubectl with get, list and watch only, and no Secret", () => {
    const run = runScript("ci-identity", ["preview-rbac", "--stack", "staging"]);
    assert.equal(run.status, 0, run.stderr);
    const objects = parseAllDocuments(run.stdout).map((document) => document.toJSON() as { kind: string; rules?: { resources: string[]; verbs: string[] }[] });
    assert.deepEqual(objects.map((object) => object.kind), ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"]);
    const rules = objects[1].rules ?? [];
    assert.deepEqual([...new Set(rules.flatMap((rule) => rule.verbs))].sort(), ["get", "list", "watch"]);
    assert.ok(rules.some((rule) => rule.resources.includes("deployments")));
    assert.ok(!rules.some((rule) => rule.resources.includes("secrets")));
  });

  it("refuses what it cannot print for, naming it, with the usage exit code", () => {
    const noRepo = runScript("ci-identity", ["state-roles", "--stack", "staging"]);
    assert.equal(noRepo.status, 2);
    assert.match(noRepo.stderr, /state-roles needs --repo, --bucket, --account/);
    const otherStack = runScript("ci-identity", ["preview-rbac", "--stack", "local"]);
    assert.equal(otherStack.status, 2);
    assert.match(otherStack.stderr, /--stack local: CI has identities for staging and production only/);
  });
});
