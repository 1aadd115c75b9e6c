/**
 * Applies the Vault resources a program declares, over Vault's HTTP API, the way the Vault provider would:
 * the main program's AppRole role, KV secret and secret_id, or its Kubernetes auth config and role (and the
 * mounts and lockout tune where a stack still declares them), and the CI identity program's platform mounts, lockout tune and services' policy,
 * JWT auth mount and roles, transit mount and key, and CI policies. Inputs are the
 * declared ones (resources.json shows the same, with secrets masked); the generated KV values are replaced by
 * fresh random ones, as the random provider would generate them, since the mocked values of the render are
 * predictable. By default it applies with the root token (an operator); given a token, with that token, to
 * prove the token's policy is enough for what the program declares.
 *
 * An auth mount's accessor is Vault's to choose: the mocks give one that names its mount
 * (scripts/lib/mockProgram.ts), and wherever such a value appears in an input (the services' policy
 * template), the applier writes the real accessor of that mount instead: the one Vault gave the mount the
 * render declared, or, for the `getAuthBackend` data source, the one of the mount that already exists.
 */
import { randomBytes } from "node:crypto";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { mockAccessorsIn } from "../../../scripts/lib/mockProgram";
import { revealSecrets } from "../../../scripts/lib/secrets";
import { expectOk, type VaultAnswer, type VaultServer } from "./vault";

type Any = Record<string, any>;

export interface AppliedIdentity {
  roleName: string;
  roleId: string;
  secretId: string;
  kv: Record<string, string>;
  kvPath: { mount: string; name: string };
  approleMount: string;
  /** With Kubernetes auth: the mount the render's role lives on. */
  kubernetesMount: string;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const snakeKeys = (fields: Any) => Object.fromEntries(Object.entries(fields).map(([key, value]) => [snake(key), value]));

/** The order the provider's dependencies impose: mounts, then what lives on them. */
const ORDER = [
  "vault:index/mount:Mount",
  "vault:index/authBackend:AuthBackend",
  "vault:jwt/authBackend:AuthBackend",
  "vault:generic/endpoint:Endpoint",
  "vault:kubernetes/authBackendConfig:AuthBackendConfig",
  "vault:index/policy:Policy",
  "vault:appRole/authBackendRole:AuthBackendRole",
  "vault:kubernetes/authBackendRole:AuthBackendRole",
  "vault:jwt/authBackendRole:AuthBackendRole",
  "vault:transit/secretBackendKey:SecretBackendKey",
  "vault:kv/secretV2:SecretV2",
  "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId",
];

export interface ApplyOptions {
  /** Apply with this token instead of the root token. */
  token?: string;
}

/** Every string in a value with each mocked accessor replaced by the real one Vault reports for its mount. */
async function withRealAccessors(value: unknown, call: (method: string, apiPath: string) => Promise<VaultAnswer>): Promise<unknown> {
  const text = JSON.stringify(value);
  const found = mockAccessorsIn(text);
  if (found.length === 0) return value;
  const mounts = expectOk(await call("GET", "sys/auth"), "list the auth mounts for their accessors").body.data as Record<string, { accessor: string }>;
  let replaced = text;
  for (const { accessor, mountPath } of found) {
    const mount = mounts[`${mountPath}/`];
    if (mount === undefined) throw new Error(`no auth mount at '${mountPath}' to give the accessor the render names`);
    replaced = replaced.split(accessor).join(mount.accessor);
  }
  return JSON.parse(replaced);
}

/** Applies every declared Vault resource and returns what the service's identity needs, as far as declared. */
export async function applyVaultResources(vault: VaultServer, resources: DeclaredResource[], options: ApplyOptions = {}): Promise<Partial<AppliedIdentity>> {
  const call = (method: string, apiPath: string, body?: unknown): Promise<VaultAnswer> =>
    options.token === undefined ? vault.admin(method, apiPath, body) : vault.api(method, apiPath, body, options.token);
  const declared = resources.filter((resource) => resource.type.startsWith("vault:"));
  const unknown = declared.filter((resource) => !ORDER.includes(resource.type));
  if (unknown.length > 0) throw new Error(`the applier does not know ${unknown.map((resource) => resource.type).join(", ")}`);
  const identity: Partial<AppliedIdentity> = {};
  for (const type of ORDER) {
    for (const resource of declared.filter((entry) => entry.type === type)) {
      const inputs = (await withRealAccessors(revealSecrets(resource.inputs), call)) as Any;
      const what = `${type} ${resource.name}`;
      switch (type) {
        case "vault:index/mount:Mount":
          expectOk(await call("POST", `sys/mounts/${inputs.path}`, { type: inputs.type, options: inputs.options, description: inputs.description }), what);
          break;
        case "vault:index/authBackend:AuthBackend":
          expectOk(await call("POST", `sys/auth/${inputs.path}`, { type: inputs.type, description: inputs.description }), what);
          if (inputs.type === "approle") identity.approleMount = inputs.path;
          break;
        case "vault:jwt/authBackend:AuthBackend": {
          const { path: mount, type: method, description, ...config } = inputs;
          expectOk(await call("POST", `sys/auth/${mount}`, { type: method, description }), what);
          expectOk(await call("POST", `auth/${mount}/config`, snakeKeys(config)), what);
          break;
        }
        case "vault:generic/endpoint:Endpoint":
          expectOk(await call("POST", inputs.path, JSON.parse(inputs.dataJson)), what);
          break;
        case "vault:index/policy:Policy":
          expectOk(await call("PUT", `sys/policies/acl/${inputs.name}`, { policy: inputs.policy }), what);
          break;
        case "vault:appRole/authBackendRole:AuthBackendRole": {
          const { backend, roleName, ...fields } = inputs;
          expectOk(await call("POST", `auth/${backend}/role/${roleName}`, snakeKeys(fields)), what);
          identity.approleMount = backend;
          identity.roleName = roleName;
          identity.roleId = expectOk(await call("GET", `auth/${backend}/role/${roleName}/role-id`), what).body.data.role_id;
          break;
        }
        case "vault:kubernetes/authBackendConfig:AuthBackendConfig": {
          const { backend, ...fields } = inputs;
          expectOk(await call("POST", `auth/${backend}/config`, snakeKeys(fields)), what);
          break;
        }
        case "vault:kubernetes/authBackendRole:AuthBackendRole": {
          const { backend, roleName, ...fields } = inputs;
          expectOk(await call("POST", `auth/${backend}/role/${roleName}`, snakeKeys(fields)), what);
          identity.kubernetesMount = backend;
          identity.roleName = roleName;
          break;
        }
        case "vault:jwt/authBackendRole:AuthBackendRole": {
          const { backend, roleName, boundClaims, ...fields } = inputs;
          // The provider splits each bound claim on commas into a list (unless disableBoundClaimsParsing).
          const claims = Object.fromEntries(Object.entries(boundClaims as Record<string, string>).map(([claim, value]) => [claim, value.split(",")]));
          expectOk(await call("POST", `auth/${backend}/role/${roleName}`, { ...snakeKeys(fields), bound_claims: claims }), what);
          break;
        }
        case "vault:transit/secretBackendKey:SecretBackendKey": {
          const { backend, name, type: keyType, exportable, allowPlaintextBackup, deletionAllowed } = inputs;
          expectOk(await call("POST", `${backend}/keys/${name}`, { type: keyType, exportable, allow_plaintext_backup: allowPlaintextBackup }), what);
          expectOk(await call("POST", `${backend}/keys/${name}/config`, { deletion_allowed: deletionAllowed }), what);
          break;
        }
        case "vault:kv/secretV2:SecretV2": {
          const fresh = Object.fromEntries(Object.keys(JSON.parse(inputs.dataJson)).map((key) => [key, randomBytes(32).toString("hex")]));
          expectOk(await call("POST", `${inputs.mount}/data/${inputs.name}`, { data: fresh }), what);
          identity.kv = fresh;
          identity.kvPath = { mount: inputs.mount, name: inputs.name };
          break;
        }
        case "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId":
          identity.secretId = expectOk(
            await call("POST", `auth/${inputs.backend}/role/${inputs.roleName}/secret-id`, { metadata: inputs.metadata, cidr_list: inputs.cidrLists }),
            what,
          ).body.data.secret_id;
          break;
      }
    }
  }
  return identity;
}

/** Applies the main program's render and returns the service's identity (its role, secret_id and KV values). */
export async function applyDeclaredVault(vault: VaultServer, resources: DeclaredResource[], options: ApplyOptions = {}): Promise<AppliedIdentity> {
  const identity = await applyVaultResources(vault, resources, options);
  for (const key of ["roleName", "roleId", "secretId", "kv", "approleMount"] as const) {
    if (identity[key] === undefined) throw new Error(`the render declares no resource that gives ${key}`);
  }
  return identity as AppliedIdentity;
}
