/**
 * Applies the Vault resources the staging render declares, over Vault's HTTP API, the way the Vault provider
 * would: the KV mount, the AppRole backend, the lockout tune, the policy, the role, the KV secret and a
 * secret_id. Inputs are the declared ones (resources.json shows the same, with secrets masked); the generated
 * KV values are replaced by fresh random ones, as the random provider would generate them, since the mocked
 * values of the render are predictable.
 */
import { randomBytes } from "node:crypto";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { revealSecrets } from "../../../scripts/lib/secrets";
import { expectOk, type VaultServer } from "./vault";

type Any = Record<string, any>;

export interface AppliedIdentity {
  roleId: string;
  secretId: string;
  kv: Record<string, string>;
  kvPath: { mount: string; name: string };
  approleMount: string;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The order the provider's dependencies impose: mounts, then what lives on them. */
const ORDER = [
  "vault:index/mount:Mount",
  "vault:index/authBackend:AuthBackend",
  "vault:generic/endpoint:Endpoint",
  "vault:index/policy:Policy",
  "vault:appRole/authBackendRole:AuthBackendRole",
  "vault:kv/secretV2:SecretV2",
  "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId",
];

export async function applyDeclaredVault(vault: VaultServer, resources: DeclaredResource[]): Promise<AppliedIdentity> {
  const declared = resources.filter((resource) => resource.type.startsWith("vault:"));
  const unknown = declared.filter((resource) => !ORDER.includes(resource.type));
  if (unknown.length > 0) throw new Error(`the applier does not know ${unknown.map((resource) => resource.type).join(", ")}`);
  const identity: Partial<AppliedIdentity> = {};
  for (const type of ORDER) {
    for (const resource of declared.filter((entry) => entry.type === type)) {
      const inputs = revealSecrets(resource.inputs) as Any;
      const what = `${type} ${resource.name}`;
      switch (type) {
        case "vault:index/mount:Mount":
          expectOk(await vault.admin("POST", `sys/mounts/${inputs.path}`, { type: inputs.type, options: inputs.options, description: inputs.description }), what);
          break;
        case "vault:index/authBackend:AuthBackend":
          expectOk(await vault.admin("POST", `sys/auth/${inputs.path}`, { type: inputs.type, description: inputs.description }), what);
          identity.approleMount = inputs.path;
          break;
        case "vault:generic/endpoint:Endpoint":
          expectOk(await vault.admin("POST", inputs.path, JSON.parse(inputs.dataJson)), what);
          break;
        case "vault:index/policy:Policy":
          expectOk(await vault.admin("PUT", `sys/policies/acl/${inputs.name}`, { policy: inputs.policy }), what);
          break;
        case "vault:appRole/authBackendRole:AuthBackendRole": {
          const { backend, roleName, ...fields } = inputs;
          expectOk(await vault.admin("POST", `auth/${backend}/role/${roleName}`, Object.fromEntries(Object.entries(fields).map(([key, value]) => [snake(key), value]))), what);
          identity.roleId = expectOk(await vault.admin("GET", `auth/${backend}/role/${roleName}/role-id`), what).body.data.role_id;
          break;
        }
        case "vault:kv/secretV2:SecretV2": {
          const fresh = Object.fromEntries(Object.keys(JSON.parse(inputs.dataJson)).map((key) => [key, randomBytes(32).toString("hex")]));
          expectOk(await vault.admin("POST", `${inputs.mount}/data/${inputs.name}`, { data: fresh }), what);
          identity.kv = fresh;
          identity.kvPath = { mount: inputs.mount, name: inputs.name };
          break;
        }
        case "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId":
          identity.secretId = expectOk(
            await vault.admin("POST", `auth/${inputs.backend}/role/${inputs.roleName}/secret-id`, { metadata: inputs.metadata, cidr_list: inputs.cidrLists }),
            what,
          ).body.data.secret_id;
          break;
      }
    }
  }
  for (const key of ["roleId", "secretId", "kv", "approleMount"] as const) {
    if (identity[key] === undefined) throw new Error(`the render declares no resource that gives ${key}`);
  }
  return identity as AppliedIdentity;
}
