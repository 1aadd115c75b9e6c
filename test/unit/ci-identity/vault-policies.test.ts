import * as assert from "node:assert/strict";
import { deployPolicyDocument, previewPolicyDocument } from "../../../ci-identity/vaultPolicies";

const CREATED = { kvMount: { path: "secret", create: true }, approleMount: { path: "approle", create: true } };
const EXISTING = { kvMount: { path: "secret", create: false }, approleMount: { path: "approle", create: false } };

const COMMON_DEPLOY = (key: string) => `# Pulumi state secrets: encrypt with this stack's transit key only.
path "pulumi-state/encrypt/${key}" {
  capabilities = ["update"]
}

# Pulumi state secrets: decrypt with this stack's transit key only.
path "pulumi-state/decrypt/${key}" {
  capabilities = ["update"]
}

# The Vault provider looks its token up before anything else.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# The services' policies (blueprint-<service>-read); no other policy, the CI policies included.
path "sys/policies/acl/blueprint-*" {
  capabilities = ["create", "read", "update", "delete"]
}

# The services' AppRole roles, their role_id and secret_ids; a role may carry blueprint-* policies only (not the deprecated "policies" alias).
path "auth/approle/role/blueprint-*" {
  capabilities = ["create", "read", "update", "delete"]
  allowed_parameters = {
    "*" = []
    "token_policies" = ["blueprint-*"]
  }
  denied_parameters = {
    "policies" = []
    "token_policies" = ["*,*"]
  }
}

# Write the services' secrets; never read them (the program's KV secret sets disableRead).
path "secret/data/blueprint/*" {
  capabilities = ["create", "update", "delete"]
}

# Delete every version of a removed service's secret (the program sets deleteAllVersions).
path "secret/metadata/blueprint/*" {
  capabilities = ["delete"]
}
`;

describe("ci-identity: the CI policies, exactly", () => {
  it("production's deploy policy: its own state key, the blueprint- objects, nothing under sys/mounts or sys/auth", () => {
    assert.equal(deployPolicyDocument("production", EXISTING), COMMON_DEPLOY("production-blueprint-production"));
  });

  it("staging's deploy policy adds exactly the KV and AppRole mounts its program creates", () => {
    assert.equal(
      deployPolicyDocument("staging", CREATED),
      `${COMMON_DEPLOY("production-blueprint-staging")}
# This stack's program creates the KV mount 'secret': that mount and no other.
path "sys/mounts/secret" {
  capabilities = ["create", "read", "update", "delete"]
}

# A change to the KV mount's description or options is a tune.
path "sys/mounts/secret/tune" {
  capabilities = ["read", "update"]
}

# This stack's program enables the AppRole method at 'approle': that mount and no other (Vault requires sudo).
path "sys/auth/approle" {
  capabilities = ["create", "read", "update", "delete", "sudo"]
}

# The AppRole mount's login lockout (Vault requires sudo).
path "sys/auth/approle/tune" {
  capabilities = ["read", "update", "sudo"]
}
`,
    );
  });

  it("names the main program's mount paths wherever they are", () => {
    const document = deployPolicyDocument("staging", { kvMount: { path: "kv-team", create: true }, approleMount: { path: "apps", create: false } });
    for (const path of ["kv-team/data/blueprint/*", "kv-team/metadata/blueprint/*", "auth/apps/role/blueprint-*", "sys/mounts/kv-team"]) assert.ok(document.includes(`path "${path}"`), path);
    assert.ok(!document.includes("sys/auth/"));
    assert.ok(!document.includes('"secret/'));
  });

  it("the preview policy: encrypt and decrypt with its own state key, look itself up, nothing else", () => {
    assert.equal(
      previewPolicyDocument("staging"),
      `# Pulumi state secrets: encrypt with this stack's transit key only.
path "pulumi-state/encrypt/production-blueprint-staging" {
  capabilities = ["update"]
}

# Pulumi state secrets: decrypt with this stack's transit key only.
path "pulumi-state/decrypt/production-blueprint-staging" {
  capabilities = ["update"]
}

# The Vault provider looks its token up before anything else.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
`,
    );
  });

  it("no policy reads a KV secret, creates a token, or reaches a ci-pulumi- policy", () => {
    for (const document of [deployPolicyDocument("staging", CREATED), deployPolicyDocument("production", EXISTING), previewPolicyDocument("production")]) {
      assert.ok(!document.includes("auth/token/create"));
      assert.ok(!document.includes("ci-pulumi"));
      assert.ok(!/path "[^"]*\/data\/[^"]*" \{\n {2}capabilities = \[[^\]]*"read"/.test(document));
      for (const [, path] of document.matchAll(/path "([^"]+)"/g)) assert.ok(path === "auth/token/lookup-self" || !path.startsWith("auth/token/"), path);
    }
  });
});
