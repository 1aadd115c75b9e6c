import * as assert from "node:assert/strict";
import { servicesPolicyDocument } from "../../../ci-identity/ciIdentity";
import { deployPolicyDocument, previewPolicyDocument, stateKeyPolicyDocument } from "../../../ci-identity/vaultPolicies";
import { servicePolicyTemplate } from "../../../components/vault/policy";

const MOUNTS = { kvPath: "secret", approlePath: "approle", kubernetesPath: "kubernetes" };

// What both CI policies of an environment open first: its stack's transit key, and the token's own lookup.
const STATE_KEY_AND_LOOKUP = (key: string) => `# Pulumi state secrets: encrypt with this stack's transit key only.
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
`;

// A services' role path: any parameter, but exactly the services' policy and no period.
const SERVICE_ROLES = (path: string, why: string) => `# ${why}
path "${path}" {
  capabilities = ["create", "read", "update", "delete"]
  allowed_parameters = {
    "*" = []
    "token_policies" = ["blueprint-services"]
  }
  denied_parameters = {
    "policies" = []
    "token_period" = []
    "period" = []
    "token_policies" = ["*,*"]
  }
}
`;

const DEPLOY = (key: string) => `${STATE_KEY_AND_LOOKUP(key)}
${SERVICE_ROLES("auth/approle/role/blueprint-*", "The services' AppRole roles, their role_id and secret_ids; a role carries blueprint-services only, no periodic token.")}
${SERVICE_ROLES("auth/kubernetes/role/blueprint-*", "The services' Kubernetes auth roles; a role carries blueprint-services only, no periodic token.")}
# The Kubernetes auth mount's config: the API server that reviews the services' tokens, and its CA.
path "auth/kubernetes/config" {
  capabilities = ["create", "read", "update"]
  allowed_parameters = {
    "*" = []
    "pem_keys" = [""]
  }
  denied_parameters = {
    "token_reviewer_jwt" = []
  }
}

# Write the services' secrets; never read them (the program's KV secret sets disableRead).
path "secret/data/blueprint-*" {
  capabilities = ["create", "update", "delete"]
}

# Delete every version of a removed service's secret (the program sets deleteAllVersions).
path "secret/metadata/blueprint-*" {
  capabilities = ["delete"]
}
`;

describe("ci-identity: the CI policies, exactly", () => {
  it("production's deploy policy: its own state key, blueprint- roles carrying blueprint-services only, blueprint- secrets written", () => {
    assert.equal(deployPolicyDocument("production", MOUNTS), DEPLOY("production-blueprint-production"));
  });

  it("staging's deploy policy is the same but for its state key: the mounts are this program's, not the deployer's", () => {
    assert.equal(deployPolicyDocument("staging", MOUNTS), DEPLOY("production-blueprint-staging"));
  });

  it("names the platform's mount paths wherever they are", () => {
    const document = deployPolicyDocument("staging", { kvPath: "kv-team", approlePath: "apps", kubernetesPath: "k8s-apps" });
    for (const path of ["kv-team/data/blueprint-*", "kv-team/metadata/blueprint-*", "auth/apps/role/blueprint-*", "auth/k8s-apps/role/blueprint-*", "auth/k8s-apps/config"]) assert.ok(document.includes(`path "${path}"`), path);
    assert.ok(!document.includes('"secret/'));
    assert.ok(!document.includes("auth/approle/"));
    assert.ok(!document.includes("auth/kubernetes/"));
  });

  it("the preview policy: encrypt and decrypt with its own state key, look itself up, nothing else", () => {
    assert.equal(previewPolicyDocument("staging"), STATE_KEY_AND_LOOKUP("production-blueprint-staging"));
  });

  it("the state-key rules alone, for any stack (the engine e2e's tokens): encrypt and decrypt with that stack's key", () => {
    const [stateKey] = STATE_KEY_AND_LOOKUP("production-blueprint-e2e-staging").split("\n\n# The Vault provider");
    assert.equal(stateKeyPolicyDocument("e2e-staging"), `${stateKey}\n`);
  });

  it("no CI policy reaches sys/, reads a KV secret, creates a token, or names a policy other than blueprint-services", () => {
    for (const document of [deployPolicyDocument("staging", MOUNTS), deployPolicyDocument("production", MOUNTS), previewPolicyDocument("production")]) {
      assert.ok(!document.includes("sys/"));
      assert.ok(!document.includes("auth/token/create"));
      assert.ok(!document.includes("ci-pulumi"));
      assert.ok(!/path "[^"]*\/data\/[^"]*" \{\n {2}capabilities = \[[^\]]*"read"/.test(document));
      for (const [, path] of document.matchAll(/path "([^"]+)"/g)) assert.ok(path === "auth/token/lookup-self" || !path.startsWith("auth/token/"), path);
    }
  });
});

describe("ci-identity: the services' policy", () => {
  const staging = { approle: "auth_approle_0a1b2c3d", kubernetes: "auth_kubernetes_0a1b2c3d" };
  const production = { approle: "auth_approle_4e5f6a7b", kubernetes: "auth_kubernetes_4e5f6a7b" };

  it("for one environment, is the main program's template exactly", () => {
    assert.equal(servicesPolicyDocument([{ kvPath: "secret", ...staging }]), servicePolicyTemplate("secret", staging.approle, staging.kubernetes));
    // test/unit/vault/approle.test.ts states the template's text exactly.
  });

  it("for two environments on one Vault: each mount's read rules on its own accessors, the token rules once", () => {
    assert.equal(
      servicesPolicyDocument([
        { kvPath: "secret-staging", ...staging },
        { kvPath: "secret", ...production },
      ]),
      `path "secret-staging/data/{{identity.entity.aliases.${staging.approle}.metadata.role_name}}" {
  capabilities = ["read"]
}

path "secret-staging/data/blueprint-{{identity.entity.aliases.${staging.kubernetes}.metadata.service_account_name}}" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}

path "secret/data/{{identity.entity.aliases.${production.approle}.metadata.role_name}}" {
  capabilities = ["read"]
}

path "secret/data/blueprint-{{identity.entity.aliases.${production.kubernetes}.metadata.service_account_name}}" {
  capabilities = ["read"]
}
`,
    );
  });

  it("refuses an accessor that is not the mount's kind", () => {
    assert.throws(() => servicesPolicyDocument([{ kvPath: "secret", approle: "auth_token_1234", kubernetes: staging.kubernetes }]), /is not an AppRole mount accessor/);
    assert.throws(() => servicesPolicyDocument([{ kvPath: "secret", approle: staging.approle, kubernetes: staging.approle }]), /is not a Kubernetes auth mount accessor/);
  });
});
