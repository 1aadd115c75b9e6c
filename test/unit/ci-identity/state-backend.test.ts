import { strict as assert } from "node:assert";
import {
  belongsToStack,
  deployRolePolicy,
  type PolicyDocument,
  previewRolePolicy,
  SHARED_STATE_OBJECTS,
  stackStateLayout,
  trustPolicy,
} from "../../../ci-identity/stateBackend";

const BUCKET = "acme-pulumi-state";
const REPO = { owner: "acme", repo: "platform" };
const statement = (document: PolicyDocument, sid: string) => {
  const found = document.Statement.find((s) => s.Sid === sid);
  assert.ok(found, `no statement ${sid}`);
  return found;
};

describe("the DIY state layout of one stack", () => {
  const layout = stackStateLayout("staging");

  it("names the stack's checkpoint, backups of it, history, backups and locks as the CLI writes them", () => {
    assert.deepEqual(layout.stackObjects, [
      ".pulumi/stacks/production-blueprint/staging.json",
      ".pulumi/stacks/production-blueprint/staging.json.bak",
      ".pulumi/stacks/production-blueprint/staging.json.gz",
      ".pulumi/stacks/production-blueprint/staging.json.gz.bak",
      ".pulumi/stacks/production-blueprint/staging.json.zst",
      ".pulumi/stacks/production-blueprint/staging.json.zst.bak",
      ".pulumi/stacks/production-blueprint/staging.pulumi-tags",
    ]);
    assert.equal(layout.history, ".pulumi/history/production-blueprint/staging/");
    assert.equal(layout.backups, ".pulumi/backups/production-blueprint/staging/");
    assert.equal(layout.locks, ".pulumi/locks/organization/production-blueprint/staging/");
    assert.deepEqual(SHARED_STATE_OBJECTS, [".pulumi/meta.yaml"]);
  });

  it("claims no object of a stack whose name starts with this one's", () => {
    assert.equal(belongsToStack(".pulumi/history/production-blueprint/staging/staging-1.history.json", layout), true);
    assert.equal(belongsToStack(".pulumi/history/production-blueprint/staging-old/staging-old-1.history.json", layout), false);
    assert.equal(belongsToStack(".pulumi/stacks/production-blueprint/staging-old.json", layout), false);
    assert.equal(belongsToStack(".pulumi/locks/organization/production-blueprint/staging2/x.json", layout), false);
    assert.equal(belongsToStack(".pulumi/stacks/production-blueprint/production.json", layout), false);
  });

  it("refuses a name that is not a stack name (a path could escape the prefixes)", () => {
    assert.throws(() => stackStateLayout("../production"), /not a Pulumi stack name/);
    assert.throws(() => stackStateLayout("a/b"), /not a Pulumi stack name/);
  });
});

describe("the state roles' IAM policies", () => {
  it("deploy: read and write only the stack's own objects, read the shared metadata, list only its prefixes", () => {
    const policy = deployRolePolicy(BUCKET, "production");
    const own = statement(policy, "ReadWriteOwnStack");
    assert.deepEqual(own.Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
    assert.deepEqual(own.Resource, [
      ...stackStateLayout("production").stackObjects.map((key) => `arn:aws:s3:::${BUCKET}/${key}`),
      `arn:aws:s3:::${BUCKET}/.pulumi/history/production-blueprint/production/*`,
      `arn:aws:s3:::${BUCKET}/.pulumi/backups/production-blueprint/production/*`,
      `arn:aws:s3:::${BUCKET}/.pulumi/locks/organization/production-blueprint/production/*`,
    ]);
    assert.deepEqual(statement(policy, "ReadSharedMetadata"), { Sid: "ReadSharedMetadata", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${BUCKET}/.pulumi/meta.yaml`] });
    assert.deepEqual(statement(policy, "ListOwnStack"), {
      Sid: "ListOwnStack",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: `arn:aws:s3:::${BUCKET}`,
      Condition: {
        StringEquals: {
          "s3:prefix": [
            ".pulumi/stacks/production-blueprint/production.json",
            ".pulumi/history/production-blueprint/production/",
            ".pulumi/backups/production-blueprint/production/",
            ".pulumi/locks/organization/production-blueprint/production/",
          ],
        },
      },
    });
    const text = JSON.stringify(policy);
    assert.doesNotMatch(text, /staging/);
    assert.doesNotMatch(text, /:::acme-pulumi-state\/\*"/, "no whole-bucket object wildcard");
  });

  it("preview: the same objects, GetObject only", () => {
    const policy = previewRolePolicy(BUCKET, "staging");
    const actions = new Set(policy.Statement.flatMap((s) => s.Action));
    assert.deepEqual([...actions].sort(), ["s3:GetObject", "s3:ListBucket"]);
    assert.deepEqual(statement(policy, "ReadOwnStack").Resource, statement(deployRolePolicy(BUCKET, "staging"), "ReadWriteOwnStack").Resource);
  });
});

describe("the state roles' OIDC trust", () => {
  it("deploy: the environment's deploy.yml and rollback.yml jobs on main, exact subjects", () => {
    const trust = trustPolicy("123456789012", REPO, "production", "deploy");
    assert.deepEqual(trust.Statement[0].Principal, { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" });
    assert.deepEqual(trust.Statement[0].Condition, {
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": [
          "repo:acme/platform:environment:production:ref:refs/heads/main:job_workflow_ref:acme/platform/.github/workflows/deploy.yml@refs/heads/main",
          "repo:acme/platform:environment:production:ref:refs/heads/main:job_workflow_ref:acme/platform/.github/workflows/rollback.yml@refs/heads/main",
        ],
      },
    });
  });

  it("preview: preview.yml in the <env>-preview environment on a pull request's merge ref", () => {
    const trust = trustPolicy("123456789012", REPO, "staging", "preview");
    assert.deepEqual(trust.Statement[0].Condition, {
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
      StringLike: {
        "token.actions.githubusercontent.com:sub": ["repo:acme/platform:environment:staging-preview:ref:refs/pull/*/merge:job_workflow_ref:acme/platform/.github/workflows/preview.yml@refs/pull/*/merge"],
      },
    });
  });

  it("no environment's role trusts another environment's jobs", () => {
    assert.doesNotMatch(JSON.stringify(trustPolicy("123456789012", REPO, "staging", "deploy")), /production/);
    assert.doesNotMatch(JSON.stringify(trustPolicy("123456789012", REPO, "production", "preview")), /staging/);
    assert.throws(() => trustPolicy("12345", REPO, "staging", "deploy"), /not an AWS account id/);
  });
});
