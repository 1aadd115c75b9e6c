/**
 * From the stack to the service, in-process: what the stack declares (the Secret's files, the ConfigMap's
 * env, the role's TTLs, the policy's path, the KV document) is handed to the service's own config loader and
 * Vault client, which log in and read the secret from the Vault API test server (app/test/support). No real
 * Vault: the Go module proxy refuses OpenBao (docs/vault.md, "Testing").
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig, nodeFileAccess, type AppConfig } from "../../../app/src/config/load.js";
import { createLogger } from "../../../app/src/logging/logger.js";
import { VaultClient } from "../../../app/src/vault/client.js";
import { type AppSecrets, VaultSecretManager } from "../../../app/src/vault/secret-manager.js";
import { LogCapture } from "../../../app/test/support/log-capture.js";
import { ManualScheduler } from "../../../app/test/support/manual-scheduler.js";
import { startVaultTestServer, type VaultTestServer } from "../../../app/test/support/vault-test-server.js";
import { findObject, runWith, stackRun, type MockRun } from "../../support/runs";
import { appRoleStack } from "../../support/stackEdits";
import { vaultIdentities } from "../../support/vaultAccess";

type Any = Record<string, any>;

const SERVICE = "items-api";

function declaredInputs(run: MockRun, type: string, name: string): Any {
  const found = run.resources.filter((resource) => resource.type === type && resource.name === name);
  assert.equal(found.length, 1, `expected one ${type} ${name}`);
  return found[0].inputs;
}

/** The value behind a secret marker: what the provider (and so the cluster or Vault) receives. */
function revealed<T>(input: unknown): T {
  return (input as { value: T }).value;
}

/** The service's env exactly as its ConfigMap holds it, with only the Vault address pointed at the test server. */
function podEnv(run: MockRun, vaultUrl: string | undefined, mountRoot: string, localDir: string): Record<string, string> {
  const data = (findObject(run, "ConfigMap", `${SERVICE}-config`, "apps") as Any).data as Record<string, string>;
  const relocated = Object.entries(data).map(([key, value]) => [key, value.startsWith(`${mountRoot}/`) ? path.join(localDir, value.slice(mountRoot.length + 1)) : value]);
  return { ...Object.fromEntries(relocated), ...(vaultUrl ? { VAULT_URL: vaultUrl } : {}) };
}

/**
 * Writes the files the kubelet would project from a Secret volume: one file per listed item, named by its
 * path, holding the Secret's value for its key. Returns the directory standing in for the mount path.
 */
function projectSecretVolume(run: MockRun, secretResourceName: string, volumeSecretName: string): { mountPath: string; dir: string } {
  const pod = (findObject(run, "Deployment", SERVICE, "apps") as Any).spec.template.spec;
  const volume = pod.volumes.find((entry: Any) => entry.secret?.secretName === volumeSecretName);
  const mount = pod.containers[0].volumeMounts.find((entry: Any) => entry.name === volume.name);
  const values = revealed<Record<string, string>>(declaredInputs(run, "kubernetes:core/v1:Secret", secretResourceName).stringData);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blueprint-secret-volume-"));
  for (const item of volume.secret.items) fs.writeFileSync(path.join(dir, item.path), values[item.key]);
  return { mountPath: mount.mountPath, dir };
}

/**
 * The "<mount>/data/<path>" read rules of what the role's tokens carry (the operators' services policy,
 * resolved for this role as Vault resolves its template), as the test server's "<mount>/<path>" grants.
 */
function readablePaths(run: MockRun, roleName: string): string[] {
  const identity = vaultIdentities(run).get(roleName);
  assert.ok(identity, `no AppRole ${roleName}`);
  return identity.rules.filter((rule) => rule.capabilities.includes("read") && rule.path.includes("/data/")).map((rule) => rule.path.replace("/data/", "/"));
}

interface Pod {
  config: AppConfig;
  manager: VaultSecretManager;
  scheduler: ManualScheduler;
  loaded: AppSecrets[];
  logins: string[];
  logs: LogCapture;
}

/** The service's Vault start-up path, as main.ts wires it, on a manual clock. */
function startPod(env: Record<string, string>): Pod {
  const config = loadConfig(env, nodeFileAccess);
  assert.ok(config.vault, "the pod's env turns Vault on");
  const logs = new LogCapture();
  const scheduler = new ManualScheduler();
  const loaded: AppSecrets[] = [];
  const logins: string[] = [];
  const manager = new VaultSecretManager({
    client: new VaultClient({ url: config.vault.url, timeoutMs: config.vault.requestTimeoutMs, sleep: async () => undefined }),
    auth: config.vault.auth,
    mountPoint: config.vault.mountPoint,
    secretPath: config.vault.secretPath,
    logger: createLogger({ service: SERVICE, version: "e2e", environment: "staging", level: "debug", format: "json", withTraceContext: false }, logs),
    files: nodeFileAccess,
    scheduler,
    onSecrets: (secrets) => loaded.push(secrets),
    onLogin: (result) => logins.push(result),
  });
  manager.start();
  return { config, manager, scheduler, loaded, logins, logs };
}

describe("end to end: the service logs in to Vault with the credentials the stack mounts (staging)", () => {
  let run: MockRun;
  let vault: VaultTestServer;
  let volume: { mountPath: string; dir: string };
  let kv: Record<string, string>;
  let credentials: Record<string, string>;

  before(async () => (run = await runWith("staging", appRoleStack("staging"))));
  beforeEach(async () => {
    const role = declaredInputs(run, "vault:appRole/authBackendRole:AuthBackendRole", `${SERVICE}-role`);
    const kvSecret = declaredInputs(run, "vault:kv/secretV2:SecretV2", `${SERVICE}-secret`);
    credentials = revealed(declaredInputs(run, "kubernetes:core/v1:Secret", `${SERVICE}-approle-credentials`).stringData);
    kv = JSON.parse(revealed<string>(kvSecret.dataJson));
    vault = await startVaultTestServer();
    // Vault as `pulumi up` leaves it: the role with its TTLs, the secret_id, the policy's grant, the KV data.
    vault.addAppRole({
      roleId: credentials["role-id"],
      secretId: credentials["secret-id"],
      tokenTtl: role.tokenTtl,
      tokenMaxTtl: role.tokenMaxTtl,
      allowedPaths: readablePaths(run, role.roleName),
    });
    vault.putSecret(kvSecret.mount, kvSecret.name, kv);
    volume = projectSecretVolume(run, `${SERVICE}-approle-credentials`, `${SERVICE}-vault-approle`);
  });
  afterEach(async () => {
    await vault.close();
    fs.rmSync(volume.dir, { recursive: true, force: true });
  });

  it("lays the Secret out as the files role-id and secret-id under /var/run/secrets/blueprint/vault", () => {
    assert.equal(volume.mountPath, "/var/run/secrets/blueprint/vault");
    assert.deepEqual(fs.readdirSync(volume.dir).sort(), ["role-id", "secret-id"]);
  });

  it("logs in with AppRole from those files and reads the KV secret the stack generated, and logs no secret", async () => {
    const pod = startPod(podEnv(run, vault.url, volume.mountPath, volume.dir));
    await pod.manager.settled();
    assert.equal(pod.manager.status(), "ok");
    assert.deepEqual(pod.loaded, [{ apiKey: kv.api_key, jwtSecret: kv.jwt_secret, databaseUrl: undefined }]);
    assert.deepEqual(
      vault.requests.map((request) => `${request.method} ${request.path} ${request.status}`),
      ["POST /v1/auth/approle/login 200", "GET /v1/secret/data/blueprint-items-api 200"],
    );
    // Renewal at 2/3 of the role's 1h token_ttl.
    assert.deepEqual(pod.scheduler.pendingDelays(), [2400_000]);
    for (const secret of [kv.api_key, kv.jwt_secret, credentials["role-id"], credentials["secret-id"]]) {
      assert.ok(!pod.logs.text().includes(secret), "a secret reached the service's logs");
    }
  });

  it("keeps serving through a rotation whose new secret-id reaches the file only after the old one is gone", async () => {
    const pod = startPod(podEnv(run, vault.url, volume.mountPath, volume.dir));
    await pod.manager.settled();
    // `pulumi up` with a new rotation key: Vault holds only the new secret_id, the kubelet has not synced yet,
    // and the pod's token is gone (as at token_max_ttl), so its next step is a login with the stale file.
    const rotatedSecretId = "rotated-secret-id-0123456789abcdef";
    vault.addAppRole({ roleId: credentials["role-id"], secretId: rotatedSecretId, tokenTtl: 3600, tokenMaxTtl: 14400 });
    vault.revokeAllTokens();
    pod.scheduler.fireNext();
    await pod.manager.settled();
    assert.deepEqual(pod.logins, ["success", "failure"]);
    assert.equal(pod.manager.status(), "ok", "secrets already loaded keep the pod ready");
    // The kubelet swaps the file in; the retry reads it again and logs in.
    fs.writeFileSync(path.join(volume.dir, "secret-id"), rotatedSecretId);
    pod.scheduler.fireNext();
    await pod.manager.settled();
    assert.deepEqual(pod.logins, ["success", "failure", "success"]);
    assert.equal(pod.manager.status(), "ok");
  });

  it("a pod whose secret_id has expired stays not ready and says the login failed", async () => {
    fs.writeFileSync(path.join(volume.dir, "secret-id"), "expired-secret-id-0123456789abcdef");
    const pod = startPod(podEnv(run, vault.url, volume.mountPath, volume.dir));
    await pod.manager.settled();
    assert.match(pod.manager.status(), /^login_failed: POST \/v1\/auth\/approle\/login: HTTP 400: invalid role or secret ID$/);
    assert.deepEqual(pod.loaded, []);
  });

  it("the policy's path is the only one the token can read: a secret next to it is denied", async () => {
    vault.putSecret("secret", "blueprint-billing-api", { api_key: "someone-elses-key-0123456789" });
    const config = loadConfig(podEnv(run, vault.url, volume.mountPath, volume.dir), nodeFileAccess);
    const client = new VaultClient({ url: vault.url, sleep: async () => undefined });
    const token = await client.loginWithAppRole(credentials["role-id"], credentials["secret-id"], config.vault!.approleMount);
    assert.equal((await client.readKv2(token.clientToken, config.vault!.mountPoint, config.vault!.secretPath)).data.api_key, kv.api_key);
    await assert.rejects(client.readKv2(token.clientToken, "secret", "blueprint-billing-api"), /HTTP 403: permission denied/);
  });
});

describe("end to end: the local stack's service reads the generated API key from its mounted file", () => {
  it("loads API_KEY_FILE as laid out by the api-key Secret, with Vault off", async () => {
    const run = await stackRun("local");
    const volume = projectSecretVolume(run, `${SERVICE}-api-key`, `${SERVICE}-api-key`);
    try {
      const config = loadConfig(podEnv(run, undefined, volume.mountPath, volume.dir), nodeFileAccess);
      assert.equal(config.vault, undefined);
      assert.equal(config.staticApiKey, revealed<Record<string, string>>(declaredInputs(run, "kubernetes:core/v1:Secret", `${SERVICE}-api-key`).stringData)["api-key"]);
    } finally {
      fs.rmSync(volume.dir, { recursive: true, force: true });
    }
  });
});
