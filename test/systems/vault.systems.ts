/**
 * A real Vault (v1.21.4, built from the Go module proxy against a patched sdk) with the platform's objects
 * applied as the operators' CI identity stack for staging declares them (the KV mount, the AppRole and
 * Kubernetes auth mounts, the AppRole lockout, the templated blueprint-services policy), then the staging
 * render with the AppRole login (vault.authMethod: approle, the option kept beside Kubernetes auth): its
 * role, KV secret and secret_id; the built service runs with its rendered env and its credentials laid out as
 * the Deployment mounts them. The CI identity stack's JWT side is test/systems/ci-identity.systems.ts's;
 * the Kubernetes auth login, which needs a real API server, is test/e2e/vault-kubernetes-auth.e2e.ts's.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeTestCertificates, type TestCertificates } from "../../app/test/support/test-ca";
import { programs, VERSIONS } from "./support/programs";
import { assertPortsFree, Processes, run, waitFor } from "./support/processes";
import { LOOPBACK_CIDR, stagingRender, type StagingRender } from "./support/render";
import { mountDirs, type MountedFiles, SERVICE, serviceEnv } from "./support/serviceEnv";
import { startService, type ServiceUnderTest } from "./support/service";
import { expectOk, VaultServer } from "./support/vault";
import { applyDeclaredVault, applyVaultResources, type AppliedIdentity } from "./support/vaultApplier";
import { runCiIdentity } from "../../scripts/lib/ciIdentityRun";
import { serviceRoleName, serviceSecretPath } from "../../components/vault/names";
import { servicePolicyTemplate } from "../../components/vault/policy";

type Any = Record<string, any>;

describe(`Vault ${VERSIONS.VAULT_VERSION} (Go module, sdk ${VERSIONS.VAULT_SDK_VERSION} patched) with the staging render, AppRole login`, function () {
  this.timeout(600_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-vault-"));
  let certs: TestCertificates;
  let render: StagingRender;
  let vault: VaultServer;
  let identity: AppliedIdentity;
  let mounts: MountedFiles;
  let env: Record<string, string>;
  let service: ServiceUnderTest | undefined;

  const readiness = async () => {
    const response = await fetch(`${service!.baseUrl}/ready`);
    return { status: response.status, vault: ((await response.json()) as Any).checks.vault as string };
  };
  const renderedRole = () => render.resources.find((resource) => resource.type === "vault:appRole/authBackendRole:AuthBackendRole")!.inputs;
  /** Accessors of the live tokens issued to the service's role (lookup-accessor shows the role in meta). */
  const serviceTokens = async () => {
    const accessors = expectOk(await vault.admin("GET", "auth/token/accessors?list=true"), "list accessors").body.data.keys as string[];
    const found: string[] = [];
    for (const accessor of accessors) {
      const lookup = await vault.admin("POST", "auth/token/lookup-accessor", { accessor });
      if (lookup.status === 200 && lookup.body.data.meta?.role_name === serviceRoleName(SERVICE)) found.push(accessor);
    }
    return found;
  };
  const restartService = async () => {
    if (service) await processes.stop(service.running);
    service = await startService(processes, env);
  };

  before(async () => {
    certs = makeTestCertificates("vault.vault.svc.cluster.local");
    render = await stagingRender({ vaultCaCert: certs.caCertPem, appRole: true });
    mounts = mountDirs();
    env = serviceEnv(render, mounts);
    vault = new VaultServer(processes, dir, certs, Number(new URL(env.VAULT_URL!).port));
  });
  after(() => processes.stopAll());

  it("reports its version", () => {
    const result = run(programs.vault(), ["version"]);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, new RegExp(`^Vault ${VERSIONS.VAULT_VERSION}\\b`));
  });

  it("starts (file storage, TLS from a private CA) and takes the operators' mounts, lockout and policy, then the render's role, secret and secret_id", async () => {
    await assertPortsFree([vault.port]);
    await vault.start();
    // The JWT mount would fetch GitHub's OIDC discovery document, which a test cannot reach.
    const operators = (await runCiIdentity("staging")).resources.filter((resource) => !resource.type.startsWith("vault:jwt/"));
    await applyVaultResources(vault, operators);
    identity = await applyDeclaredVault(vault, render.resources);
    // As the Deployment mounts them: the Secret's two keys and the CA ConfigMap, each a file.
    fs.writeFileSync(path.join(mounts.vaultDir, "role-id"), `${identity.roleId}\n`);
    fs.writeFileSync(path.join(mounts.vaultDir, "secret-id"), `${identity.secretId}\n`);
    fs.writeFileSync(path.join(mounts.caDir, "ca.crt"), render.configMapData("apps", `${SERVICE}-vault-ca`, "ca.crt"));
    const tune = expectOk(await vault.admin("GET", `sys/auth/${identity.approleMount}/tune`), "read tune").body.data;
    assert.deepEqual(
      [tune.user_lockout_threshold, tune.user_lockout_duration, tune.user_lockout_counter_reset_duration, tune.user_lockout_disable],
      [20, 300, 300, false],
    );
  });

  it("the service logs in over TLS with its mounted files, reads its KV secret and turns ready", async () => {
    await assertPortsFree([Number(env.APP_PORT)]);
    service = await startService(processes, env);
    const login = await service.waitForEvent("vault_login_succeeded");
    assert.equal(login.lease_seconds, renderedRole().tokenTtl);
    await service.waitForEvent("vault_secrets_loaded");
    assert.deepEqual(await readiness(), { status: 200, vault: "ok" });
  });

  it("enforces the api_key from Vault on writes", async () => {
    const post = (key: string) =>
      fetch(`${service!.baseUrl}/api/v1/items/`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "from-vault", price: 1 }),
      });
    assert.equal((await post("not-the-key-from-vault-000000")).status, 401);
    assert.equal((await post(identity.kv.api_key!)).status, 201);
  });

  it("the service's identity reads its own path and is denied another service's", async () => {
    // A neighbour under the same prefix: the policy names the service's own path, not the prefix.
    const neighbour = `${identity.kvPath.mount}/data/${serviceSecretPath("billing-api")}`;
    expectOk(await vault.admin("POST", neighbour, { data: { api_key: "b".repeat(32) } }), "write billing-api");
    const login = await vault.api("POST", `auth/${identity.approleMount}/login`, { role_id: identity.roleId, secret_id: identity.secretId });
    const token = expectOk(login, "login").body.auth.client_token as string;
    try {
      assert.equal((await vault.api("GET", `${identity.kvPath.mount}/data/${identity.kvPath.name}`, undefined, token)).status, 200);
      const denied = await vault.api("GET", neighbour, undefined, token);
      assert.equal(denied.status, 403);
      assert.match(JSON.stringify(denied.body.errors), /permission denied/);
    } finally {
      await vault.api("POST", "auth/token/revoke-self", {}, token);
    }
  });

  it("renews at 2/3 of a short TTL and logs in again once the max TTL caps it", async () => {
    // The one change to the rendered role: 1h/4h would take hours to show.
    expectOk(await vault.admin("POST", `auth/${identity.approleMount}/role/${serviceRoleName(SERVICE)}`, { token_ttl: 6, token_max_ttl: 15 }), "short TTLs");
    await restartService();
    await service!.waitForEvent("vault_token_renewed", { attempts: 60 });
    const capped = await waitFor("a renewal capped by the max TTL", () => service!.lines().find((line) => line.event === "vault_token_renewed" && line.capped === true), { attempts: 60 });
    assert.ok(Number(capped.lease_seconds) < 6);
    await service!.waitForEvent("vault_login_succeeded", { nth: 2, attempts: 60 });
    assert.equal((await readiness()).status, 200);
  });

  it("keeps serving through a Vault restart and recovers without its own restart", async () => {
    const pid = service!.running.child.pid;
    const loginsBefore = service!.lines().filter((line) => line.event === "vault_login_succeeded").length;
    await vault.stop();
    await service!.waitForEvent("vault_cycle_failed", { attempts: 60 });
    assert.deepEqual(await readiness(), { status: 200, vault: "ok" });
    await vault.start();
    await service!.waitForEvent("vault_login_succeeded", { nth: loginsBefore + 1, attempts: 120 });
    assert.equal(service!.running.child.pid, pid);
    assert.equal(service!.running.child.exitCode, null);
    assert.equal((await readiness()).status, 200);
  });

  it("after 20 refused logins Vault locks the role_id: the service says so, and recovers once unlocked", async () => {
    const { tokenTtl, tokenMaxTtl } = renderedRole();
    expectOk(await vault.admin("POST", `auth/${identity.approleMount}/role/${serviceRoleName(SERVICE)}`, { token_ttl: tokenTtl, token_max_ttl: tokenMaxTtl }), "rendered TTLs again");
    // A successful login resets Vault's counter: the running service must not log in between the refusals.
    await processes.stop(service!.running);
    const login = (secretId: string) => vault.api("POST", `auth/${identity.approleMount}/login`, { role_id: identity.roleId, secret_id: secretId });
    for (let attempt = 0; attempt < 20; attempt += 1) assert.equal((await login(`stale-${attempt}-0000-0000-000000000000`)).status, 400);
    assert.equal((await login(identity.secretId)).status, 403, "a valid secret_id is refused while the role_id is locked");
    service = await startService(processes, env);
    const locked = await service!.waitForEvent("vault_login_locked_out", { attempts: 60 });
    assert.equal(locked.level, "error");
    assert.match((await readiness()).vault, /^login_locked_out: POST \/v1\/auth\/approle\/login: HTTP 403: permission denied \(Vault locks a role_id out/);
    // The unlock the runbook gives: vault write -f sys/locked-users/<accessor>/unlock/<role_id>.
    const accessor = expectOk(await vault.admin("GET", "sys/auth"), "list auth").body.data[`${identity.approleMount}/`].accessor as string;
    const lockedUsers = expectOk(await vault.admin("GET", "sys/locked-users"), "locked users").body.data;
    assert.match(JSON.stringify(lockedUsers), new RegExp(accessor));
    expectOk(await vault.admin("POST", `sys/locked-users/${accessor}/unlock/${identity.roleId}`), "unlock");
    // The service's next try comes after its slow backoff (30-60 s after the first refusal).
    await service!.waitForEvent("vault_secrets_loaded", { attempts: 180 });
    assert.deepEqual(await readiness(), { status: 200, vault: "ok" });
  });

  it("revokes the service's token when the service stops", async () => {
    // Tokens of the short-TTL phase have expired by now; the one left is the running service's.
    const live = await waitFor("one live token of the service's role", async () => ((await serviceTokens()).length === 1 ? true : undefined), { attempts: 40 });
    assert.ok(live);
    assert.equal(await processes.stop(service!.running), 0);
    assert.ok(service!.lines().some((line) => line.event === "vault_token_revoked"));
    assert.deepEqual(await serviceTokens(), []);
  });

  it("refuses a login from outside a secret_id's CIDR binding (staging's 10.0.0.0/8), and takes it from inside (the render's, loopback here)", async () => {
    const role = `auth/${identity.approleMount}/role/${serviceRoleName(SERVICE)}`;
    const login = (secretId: string) => vault.api("POST", `auth/${identity.approleMount}/login`, { role_id: identity.roleId, secret_id: secretId });
    assert.deepEqual(expectOk(await vault.admin("GET", role), "role").body.data.secret_id_bound_cidrs, [LOOPBACK_CIDR]);
    // A secret_id bound as staging binds them, to the pods' 10.0.0.0/8, which this host is not in (Vault
    // issues one only within the role's binding, so the role takes both for the moment).
    expectOk(await vault.admin("POST", role, { secret_id_bound_cidrs: ["10.0.0.0/8", LOOPBACK_CIDR] }), "widen the role for a moment");
    try {
      const elsewhere = expectOk(await vault.admin("POST", `${role}/secret-id`, { cidr_list: ["10.0.0.0/8"] }), "a secret_id bound to 10.0.0.0/8").body.data.secret_id as string;
      const refused = await login(elsewhere);
      assert.equal(refused.status, 400, JSON.stringify(refused.body.errors));
      assert.match(JSON.stringify(refused.body.errors), /source address \\"127\.0\.0\.1\\" unauthorized by CIDR restrictions/);
    } finally {
      expectOk(await vault.admin("POST", role, { secret_id_bound_cidrs: [LOOPBACK_CIDR] }), "the render's binding again");
    }
    const accepted = expectOk(await login(identity.secretId), "login from inside the binding");
    await vault.api("POST", "auth/token/revoke-self", {}, accepted.body.auth.client_token as string);
  });

  it("refuses a policy broken on purpose, with Vault's message", async () => {
    // The services' policy as the operators' stack declares it, with its accessor as Vault named the mount.
    const accessor = expectOk(await vault.admin("GET", "sys/auth"), "list auth mounts").body.data[`${identity.approleMount}/`].accessor as string;
    const policy = servicePolicyTemplate(identity.kvPath.mount, accessor);
    const broken = policy.replace('capabilities = ["read"]', 'capabilities = ["read"');
    const answer = await vault.admin("PUT", "sys/policies/acl/broken-on-purpose", { policy: broken });
    assert.equal(answer.status, 400);
    assert.match(JSON.stringify(answer.body.errors), /failed to parse policy/);
  });

  it("never put a credential or the KV values in the service's log", () => {
    const logs = service!.running.output();
    for (const secret of [identity.secretId, identity.roleId, ...Object.values(identity.kv)]) assert.ok(!logs.includes(secret));
  });
});
