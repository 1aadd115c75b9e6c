import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseConfig } from "../../../components/stackConfig";
import { servicePolicyTemplate } from "../../../components/vault/policy";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { maskSecrets } from "../../../scripts/lib/secrets";
import { knownStacks, loadStackFile, PROJECT_ROOT, SECRET_PLACEHOLDER } from "../../../scripts/lib/stackFile";
import { findObject, runWith, type MockRun } from "../../support/runs";
import { appRoleStack } from "../../support/stackEdits";

type Any = Record<string, any>;

const SERVICE = "items-api";
const TYPES = {
  provider: "pulumi:providers:vault",
  mount: "vault:index/mount:Mount",
  authBackend: "vault:index/authBackend:AuthBackend",
  policy: "vault:index/policy:Policy",
  role: "vault:appRole/authBackendRole:AuthBackendRole",
  secretId: "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId",
  kvSecret: "vault:kv/secretV2:SecretV2",
  randomBytes: "random:index/randomBytes:RandomBytes",
};

function resourcesOfType(run: MockRun, type: string): DeclaredResource[] {
  return run.resources.filter((resource) => resource.type === type);
}

function onlyOfType(run: MockRun, type: string): Any {
  const found = resourcesOfType(run, type);
  assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
  return found[0].inputs;
}

function secretValue(input: unknown): unknown {
  assert.ok(maskSecrets(input) !== input && JSON.stringify(maskSecrets(input)).includes(SECRET_PLACEHOLDER), "expected a Pulumi secret");
  return (input as { value: unknown }).value;
}

function editedStack(stack: string, edit: (values: Any) => void) {
  const raw = loadStackFile(stack);
  const values = structuredClone(raw.values) as Any;
  edit(values);
  return { values, secretKeys: raw.secretKeys };
}

const ACCESSOR = "auth_approle_0123abcd";

const EXACT_TEMPLATE = `path "secret/data/{{identity.entity.aliases.auth_approle_0123abcd.metadata.role_name}}" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}
`;

describe("the services' Vault policy (one template, the operators')", () => {
  it("is exactly: read on <mount>/data/<the login's AppRole role name>, update on auth/token/renew-self and revoke-self", () => {
    assert.equal(servicePolicyTemplate("secret", ACCESSOR), EXACT_TEMPLATE);
  });

  it("grants nothing on any other path and uses no glob", () => {
    const rules = [...servicePolicyTemplate("kv", ACCESSOR).matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]\s*\}/g)];
    assert.deepEqual(
      rules.map(([, rulePath, capabilities]) => [rulePath, capabilities]),
      [
        [`kv/data/{{identity.entity.aliases.${ACCESSOR}.metadata.role_name}}`, '"read"'],
        ["auth/token/renew-self", '"update"'],
        ["auth/token/revoke-self", '"update"'],
      ],
    );
    assert.doesNotMatch(servicePolicyTemplate("kv", ACCESSOR), /[*+]/);
  });

  for (const mount of ["secret*", "secret+", 'a" {', ""]) {
    it(`refuses the KV mount '${mount}', which would widen or break the grant`, () => {
      assert.throws(() => servicePolicyTemplate(mount, ACCESSOR), /must be a plain path/);
    });
  }

  for (const accessor of ["auth_kubernetes_0123", "auth_approle_x}}", "", "auth_approle_0123.metadata"]) {
    it(`refuses '${accessor}' as the AppRole accessor`, () => {
      assert.throws(() => servicePolicyTemplate("secret", accessor), /is not an AppRole mount accessor/);
    });
  }
});

const EXPECTED_ROLE = {
  staging: { secretIdTtl: 336 * 3600, secretIdNumUses: 300, secretIdBoundCidrs: ["10.0.0.0/8"], tokenBoundCidrs: [] },
  production: { secretIdTtl: 1080 * 3600, secretIdNumUses: 1000, secretIdBoundCidrs: ["10.0.0.0/8"], tokenBoundCidrs: ["10.0.0.0/8"] },
} as const;

for (const stack of ["staging", "production"] as const) {
  describe(`Vault AppRole on ${stack} (vault.authMethod: approle)`, () => {
    let run: MockRun;
    before(async () => (run = await runWith(stack, appRoleStack(stack))));

    it("declares no ACL policy: the deploy identity writes none (the operators own blueprint-services)", () => {
      assert.equal(resourcesOfType(run, TYPES.policy).length, 0);
    });

    it("gives the role 1h/4h service tokens that carry only the operators' blueprint-services policy (no 'default' policy)", () => {
      const role = onlyOfType(run, TYPES.role);
      assert.equal(role.roleName, `blueprint-${SERVICE}`);
      assert.equal(role.tokenTtl, 3600);
      assert.equal(role.tokenMaxTtl, 4 * 3600);
      assert.equal(role.tokenType, "service");
      assert.deepEqual(role.tokenPolicies, ["blueprint-services"]);
      assert.equal(role.tokenNoDefaultPolicy, true);
      assert.equal(role.bindSecretId, true);
    });

    it(`binds secret_ids and tokens as ${stack} config says: TTL ${EXPECTED_ROLE[stack].secretIdTtl / 3600}h, ${EXPECTED_ROLE[stack].secretIdNumUses} uses, CIDRs [${EXPECTED_ROLE[stack].secretIdBoundCidrs.join(", ")}]`, () => {
      const role = onlyOfType(run, TYPES.role);
      const expected = EXPECTED_ROLE[stack];
      assert.equal(role.secretIdTtl, expected.secretIdTtl);
      assert.equal(role.secretIdNumUses, expected.secretIdNumUses);
      assert.deepEqual(role.secretIdBoundCidrs, expected.secretIdBoundCidrs);
      assert.deepEqual(role.tokenBoundCidrs, expected.tokenBoundCidrs);
      const secretId = onlyOfType(run, TYPES.secretId);
      assert.deepEqual(secretId.cidrLists, expected.secretIdBoundCidrs, "the secret_id's CIDRs must be within the role's");
      assert.equal(secretId.roleName, `blueprint-${SERVICE}`);
      assert.equal(secretId.backend, "approle");
    });

    it("stores only api_key (no unused jwt_secret), generated from at least 32 random bytes, as a secret named after the role, secret/blueprint-items-api, never read back (disableRead)", () => {
      const kv = onlyOfType(run, TYPES.kvSecret);
      assert.equal(kv.mount, "secret");
      assert.equal(kv.name, `blueprint-${SERVICE}`);
      assert.equal(kv.disableRead, true);
      const data = JSON.parse(secretValue(kv.dataJson) as string);
      assert.deepEqual(Object.keys(data).sort(), ["api_key"]);
      const generators = resourcesOfType(run, TYPES.randomBytes).filter((resource) => resource.parent === `blueprint:vault:AppRole::${SERVICE}`);
      assert.deepEqual(generators.map((resource) => resource.name).sort(), [`${SERVICE}-api-key`]);
      for (const generator of generators) assert.ok((generator.inputs.length as number) >= 32, `${generator.name} is ${generator.inputs.length} bytes`);
    });

    it("hands role-id and secret-id to the pods through a Secret whose values are Pulumi secrets", () => {
      const secret = findObject(run, "Secret", `${SERVICE}-vault-approle`, "apps") as Any;
      assert.equal(secret.type, "Opaque");
      assert.deepEqual(secret.stringData, { "role-id": SECRET_PLACEHOLDER, "secret-id": SECRET_PLACEHOLDER });
    });

    it("mounts exactly those two keys as files at the paths the service's VAULT_*_FILE variables name", () => {
      const pod = (findObject(run, "Deployment", SERVICE, "apps") as Any).spec.template.spec;
      const env = (findObject(run, "ConfigMap", `${SERVICE}-config`, "apps") as Any).data;
      const volume = pod.volumes.find((entry: Any) => entry.secret?.secretName === `${SERVICE}-vault-approle`);
      const mount = pod.containers[0].volumeMounts.find((entry: Any) => entry.name === volume.name);
      assert.equal(mount.readOnly, true);
      assert.equal(mount.subPath, undefined, "a subPath mount would never see a rotated secret-id");
      const files = volume.secret.items.map((item: Any) => path.posix.join(mount.mountPath, item.path));
      assert.deepEqual(files, ["/var/run/secrets/blueprint/vault/role-id", "/var/run/secrets/blueprint/vault/secret-id"]);
      assert.deepEqual([env.VAULT_ROLE_ID_FILE, env.VAULT_SECRET_ID_FILE], files);
      assert.equal(env.VAULT_MOUNT_POINT, "secret");
      assert.equal(env.VAULT_SECRET_PATH, `blueprint-${SERVICE}`);
      assert.equal(env.VAULT_URL, run.config.vault.enabled && run.config.vault.address);
    });

    it("configures the Vault provider with the stack's deployer address and no token, so VAULT_TOKEN from the environment is used", () => {
      const provider = onlyOfType(run, TYPES.provider);
      assert.equal(provider.address, run.config.vault.enabled ? run.config.vault.deployerAddress : undefined);
      assert.equal(provider.token, undefined);
    });
  });
}

describe("Vault mounts: created or existing", () => {
  for (const stack of ["staging", "production"] as const) {
    it(`declares neither on ${stack}, whose mounts the operators' CI identity stack owns, and points the role and secret at them`, async () => {
      const run = await runWith(stack, appRoleStack(stack));
      assert.equal(resourcesOfType(run, TYPES.mount).length, 0);
      assert.equal(resourcesOfType(run, TYPES.authBackend).length, 0);
      assert.equal(onlyOfType(run, TYPES.role).backend, "approle");
      assert.equal(onlyOfType(run, TYPES.kvSecret).mount, "secret");
    });
  }

  it("creates the KV v2 mount and the AppRole backend where config says create (a Vault without the CI identity stack)", async () => {
    const run = await runWith(
      "staging",
      appRoleStack("staging", (values) => {
        values.vault.kvMount = { path: "secret", create: true };
        values.vault.approleMount = { path: "approle", create: true };
      }),
    );
    assert.deepEqual(onlyOfType(run, TYPES.mount), { description: "production-blueprint service secrets", options: { version: "2" }, path: "secret", type: "kv" });
    assert.equal(onlyOfType(run, TYPES.authBackend).type, "approle");
  });

  it("uses the configured mount names everywhere: KV secret, role backend and the service's env", async () => {
    const run = await runWith(
      "production",
      appRoleStack("production", (values) => {
        values.vault.kvMount = { path: "apps-kv", create: false };
        values.vault.approleMount = { path: "k8s-approle", create: true };
      }),
    );
    assert.equal(onlyOfType(run, TYPES.kvSecret).mount, "apps-kv");
    assert.equal(onlyOfType(run, TYPES.authBackend).path, "k8s-approle");
    assert.equal(onlyOfType(run, TYPES.role).backend, "k8s-approle");
    assert.equal((findObject(run, "ConfigMap", `${SERVICE}-config`, "apps") as Any).data.VAULT_MOUNT_POINT, "apps-kv");
  });
});

describe("Vault credentials from secret config", () => {
  let run: MockRun;
  before(async () => {
    const raw = editedStack("staging", (values) => {
      values.vaultToken = "hvs.test-token-from-secret-config";
    });
    run = await runWith("staging", { values: raw.values, secretKeys: new Set([...raw.secretKeys, "vaultToken"]) });
  });

  it("passes a vaultToken set with --secret to the provider as a Pulumi secret", () => {
    assert.equal(secretValue(onlyOfType(run, TYPES.provider).token), "hvs.test-token-from-secret-config");
  });


  it("keeps a Vault token out of every committed stack file unless it is encrypted (secure:)", () => {
    for (const stack of knownStacks()) {
      const raw = loadStackFile(stack);
      assert.ok(raw.values.vaultToken === undefined || raw.secretKeys.has("vaultToken"), `Pulumi.${stack}.yaml holds a plaintext vaultToken`);
      const text = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
      assert.doesNotMatch(text, /\b(hvs|s)\.[A-Za-z0-9]{20,}/, `Pulumi.${stack}.yaml holds something shaped like a Vault token`);
    }
  });
});

describe("Vault config validation", () => {
  const problemsOf = (edit: (values: Any) => void) => {
    try {
      const raw = appRoleStack("production", edit);
      parseConfig(raw, "production");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.message;
    }
    assert.fail("expected a ConfigError");
  };

  it("rejects a token TTL longer than the token max TTL, naming both", () => {
    assert.match(problemsOf((v) => (v.vault.tokenTtl = "5h")), /production-blueprint:vault\.tokenTtl: 5h is longer than tokenMaxTtl 4h/);
  });

  it("rejects a secret_id CIDR binding that is not a CIDR, naming the entry", () => {
    assert.match(problemsOf((v) => (v.vault.secretId.boundCidrs = ["10.0.0.0"])), /production-blueprint:vault\.secretId\.boundCidrs\.0: expected an IPv4 or IPv6 CIDR/);
    assert.match(problemsOf((v) => (v.vault.tokenBoundCidrs = ["999.999.999.999/8"])), /production-blueprint:vault\.tokenBoundCidrs\.0: expected an IPv4 or IPv6 CIDR/);
  });

  it("requires a rotation key and rejects one that is not a short label", () => {
    assert.match(problemsOf((v) => delete v.vault.secretId.rotation), /production-blueprint:vault\.secretId\.rotation: is required/);
    assert.match(problemsOf((v) => (v.vault.secretId.rotation = "next month please")), /vault\.secretId\.rotation: expected a short label/);
  });

  it("rejects a secret_id TTL that is not a duration", () => {
    assert.match(problemsOf((v) => (v.vault.secretId.ttl = "30 days")), /production-blueprint:vault\.secretId\.ttl: expected a duration/);
  });
});
