import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VaultAuthConfig } from '../src/config/load.js';
import { VaultClient, VaultError } from '../src/vault/client.js';
import { startChildService, type ChildService } from './support/child-service.js';
import { assertRevokesOnStop, harness, step, type Harness } from './support/secret-manager-harness.js';
import { makeTestCertificates } from './support/test-ca.js';
import { startVaultTestServer, type VaultTestServer } from './support/vault-test-server.js';

const ROLE = { name: 'items-api', tokenTtl: 3600, tokenMaxTtl: 7200 };
const API_KEY = 'api-key-from-kv-do-not-log-0123';
// Shaped like the kubelet's projected tokens (three base64url parts); the middle part marks each one in assertions.
const FIRST_JWT = 'eyJhbGciOiJSUzI1NiJ9.first-projected-token-do-not-log.c2ln';
const ROTATED_JWT = 'eyJhbGciOiJSUzI1NiJ9.rotated-projected-token-do-not-log.c2ln';

/** A projected ServiceAccount token volume: one file the test rewrites as the kubelet would. */
function projectedToken(jwt: string): { file: string; rotate(next: string): void } {
  const file = join(mkdtempSync(join(tmpdir(), 'sa-token-')), 'token');
  writeFileSync(file, jwt);
  return { file, rotate: (next) => writeFileSync(file, next) };
}

const kubernetes = (tokenFile: string, mount = 'kubernetes', role = ROLE.name): VaultAuthConfig => ({
  method: 'kubernetes',
  mount,
  role,
  tokenFile,
});

/** Neither a ServiceAccount token nor a Vault token may reach a log line, an error or the readiness reason. */
function assertNoSecret(h: Harness): void {
  const text = `${h.logs.text()}\n${h.manager.status()}`;
  for (const secret of [FIRST_JWT, ROTATED_JWT, 'projected-token-do-not-log', API_KEY, 'hvs.']) {
    assert.ok(!text.includes(secret), `leaked ${secret}`);
  }
}


/** The built service's env for a Kubernetes auth login, as the stack renders it (docs/vault.md). */
function kubernetesServiceEnv(vaultUrl: string, tokenFile: string): Record<string, string> {
  return {
    APP_ENV: 'production',
    VAULT_ENABLED: 'true',
    VAULT_URL: vaultUrl,
    VAULT_AUTH_METHOD: 'kubernetes',
    VAULT_KUBERNETES_ROLE: ROLE.name,
    VAULT_KUBERNETES_TOKEN_FILE: tokenFile,
    VAULT_SECRET_PATH: 'items-api',
    SHUTDOWN_DELAY_SECONDS: '0',
  };
}

describe('VaultSecretManager with Kubernetes auth (projected ServiceAccount token) against the Vault API test server', () => {
  let vault: VaultTestServer;
  beforeEach(async () => {
    vault = await startVaultTestServer();
    vault.addKubernetesRole(ROLE);
    vault.setServiceAccountToken(FIRST_JWT, true);
    vault.putSecret('secret', 'items-api', { api_key: API_KEY });
  });
  afterEach(() => vault.close());

  it('logs in with the role and the file\'s token (trimmed), loads the secret, turns ready and schedules renewal at 2/3 TTL', async () => {
    const token = projectedToken(`${FIRST_JWT}\n`);
    const h = harness(vault, kubernetes(token.file));
    assert.equal(h.manager.status(), 'pending');
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'ok');
    assert.deepEqual(vault.kubernetesLogins, [{ role: ROLE.name, jwt: FIRST_JWT, status: 200 }]);
    assert.equal(vault.countRequests('POST', '/v1/auth/kubernetes/login'), 1);
    assert.deepEqual(h.loaded.map((secrets) => secrets.apiKey), [API_KEY]);
    assert.deepEqual(h.scheduler.pendingDelays(), [2400_000]);
    assert.deepEqual(h.logins, ['success']);
    assert.equal(h.logs.events('vault_login_succeeded')[0]?.method, 'kubernetes');
    assertNoSecret(h);
  });

  it('re-reads the token file at every login: after a refused renewal the fresh login sends the rotated token', async () => {
    const token = projectedToken(FIRST_JWT);
    const h = harness(vault, kubernetes(token.file));
    h.manager.start();
    await h.manager.settled();
    // The kubelet rotates the projected token; the old one stops passing review (the pod's old token expired).
    token.rotate(`${ROTATED_JWT}\n`);
    vault.setServiceAccountToken(ROTATED_JWT, true);
    vault.setServiceAccountToken(FIRST_JWT, false);
    vault.revokeAllTokens(); // the renewal at 2/3 TTL is refused, which forces a fresh login
    await step(h);
    assert.equal(h.logs.events('vault_renew_failed_relogin').length, 1);
    assert.deepEqual(
      vault.kubernetesLogins.map((login) => [login.jwt, login.status]),
      [
        [FIRST_JWT, 200],
        [ROTATED_JWT, 200],
      ],
    );
    assert.equal(h.manager.status(), 'ok');
    assertNoSecret(h);
  });

  it('re-reads the token file for the login that replaces a token capped by its max TTL', async () => {
    const token = projectedToken(FIRST_JWT);
    const h = harness(vault, kubernetes(token.file));
    h.manager.start();
    await h.manager.settled();
    vault.advanceClock(2400);
    await step(h); // renewal: full TTL
    vault.advanceClock(2400);
    await step(h); // renewal capped at 7200 - 4800 s: the next step is a login
    token.rotate(ROTATED_JWT);
    vault.setServiceAccountToken(ROTATED_JWT, true);
    vault.advanceClock(1600);
    await step(h);
    assert.equal(vault.countRequests('POST', '/v1/auth/token/renew-self'), 2);
    assert.deepEqual(vault.kubernetesLogins.map((login) => login.jwt), [FIRST_JWT, ROTATED_JWT]);
    assert.equal(h.manager.status(), 'ok');
  });

  it('with an empty token file: a clear error naming the file, not ready, nothing sent to Vault, and a normal retry that recovers', async () => {
    const token = projectedToken('\n');
    const h = harness(vault, kubernetes(token.file));
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), `login_failed: ServiceAccount token file ${token.file} is empty`);
    assert.notEqual(h.manager.status(), 'ok');
    assert.deepEqual(vault.kubernetesLogins, []);
    assert.deepEqual(h.loaded, []);
    // Not a refusal by Vault: the ordinary backoff (first retry within 0.5-1 s), no slow lockout backoff.
    const [retry] = h.scheduler.pendingDelays();
    assert.ok(retry !== undefined && retry >= 500 && retry <= 1000, `retry in ${retry} ms`);
    assert.equal(h.logs.events('vault_cycle_failed').length, 1);
    token.rotate(FIRST_JWT);
    await step(h);
    assert.equal(h.manager.status(), 'ok');
    assertNoSecret(h);
  });

  it('with an unreadable token file: a clear error naming the file, and not ready', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'sa-token-')), 'token');
    const h = harness(vault, kubernetes(missing));
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), `login_failed: cannot read ServiceAccount token file ${missing}`);
    assert.deepEqual(vault.kubernetesLogins, []);
  });

  it('a token Vault refuses (403 permission denied): slow backoff rather than a hot loop, no lockout wording, and a login at once when the file rotates', async () => {
    const stale = 'eyJhbGciOiJSUzI1NiJ9.stale-projected-token-do-not-log.c2ln';
    const token = projectedToken(stale);
    const h = harness(vault, kubernetes(token.file));
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'login_failed: POST /v1/auth/kubernetes/login: HTTP 403: permission denied');
    const [retry, watch] = h.scheduler.pendingDelays();
    assert.ok(retry! >= 30_000 && retry! <= 60_000, `retry in ${retry} ms`);
    assert.equal(watch, 5000);
    assert.equal(h.logs.events('vault_login_refused').length, 1);
    assert.equal(h.logs.events('vault_login_locked_out').length, 0, 'Kubernetes auth has no user lockout');
    assert.equal(vault.kubernetesLogins.length, 1, 'a refusal is not retried by the client');

    h.scheduler.skipNext(); // the slow retry is not what brings the fix
    token.rotate(FIRST_JWT);
    await step(h); // the 5 s watch sees a different token file and logs in at once
    assert.equal(h.logs.events('vault_credentials_changed_retrying').length, 1);
    assert.equal(h.manager.status(), 'ok');
    assert.ok(!h.logs.text().includes(stale) && !h.manager.status().includes(stale));
    assertNoSecret(h);
  });

  it('an unknown role: Vault\'s 400 in readiness and the slow backoff', async () => {
    const token = projectedToken(FIRST_JWT);
    const h = harness(vault, kubernetes(token.file, 'kubernetes', 'no-such-role'));
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'login_failed: POST /v1/auth/kubernetes/login: HTTP 400: invalid role name "no-such-role"');
    assert.ok(h.scheduler.pendingDelays()[0]! >= 30_000);
    assertNoSecret(h);
  });

  it('after a 500 outlasting the client retries, retries with the normal backoff and recovers', async () => {
    vault.failNext(3, 500);
    const token = projectedToken(FIRST_JWT);
    const h = harness(vault, kubernetes(token.file));
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'login_failed: POST /v1/auth/kubernetes/login: HTTP 500: internal error');
    const [retry] = h.scheduler.pendingDelays();
    assert.ok(retry !== undefined && retry <= 1000, `retry in ${retry} ms`);
    await step(h);
    assert.equal(h.manager.status(), 'ok');
    assert.deepEqual(h.logins, ['failure', 'success']);
  });

  it('revokes the token it logged in for on stop(), so it does not outlive the pod', async () => {
    const token = projectedToken(FIRST_JWT);
    const h = harness(vault, kubernetes(token.file));
    await assertRevokesOnStop(vault, h);
  });

  it('logs in on the configured mount, with X-Vault-Namespace, through the configured CA', async () => {
    const certs = makeTestCertificates();
    const tls = await startVaultTestServer({ kubernetesMount: 'kubernetes-cluster-a', tls: { key: certs.serverKeyPem, cert: certs.serverCertPem } });
    try {
      tls.addKubernetesRole(ROLE);
      tls.setServiceAccountToken(FIRST_JWT, true);
      tls.putSecret('secret', 'items-api', { api_key: API_KEY });
      const token = projectedToken(FIRST_JWT);
      const h = harness(tls, kubernetes(token.file, 'kubernetes-cluster-a'), tls.url, { client: { namespace: 'admin/team-a', ca: certs.caCertPem } });
      h.manager.start();
      await h.manager.settled();
      assert.equal(h.manager.status(), 'ok');
      assert.equal(tls.countRequests('POST', '/v1/auth/kubernetes-cluster-a/login'), 1);
      assert.deepEqual(tls.requests.map((request) => request.namespace), ['admin/team-a', 'admin/team-a']);
    } finally {
      await tls.close();
    }
  });
});

describe('VaultClient.login for Kubernetes auth', () => {
  it('times out each attempt of a login to a Vault that never answers, and keeps the token out of the error', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as AddressInfo;
      const client = new VaultClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 100, retry: { attempts: 2, baseMs: 1, maxMs: 1 } });
      const error = await client.login('kubernetes', { role: ROLE.name, jwt: FIRST_JWT }).then(
        () => assert.fail('expected a rejection'),
        (rejection: unknown) => rejection,
      );
      assert.ok(error instanceof VaultError);
      assert.equal(error.message, 'POST /v1/auth/kubernetes/login: timed out after 100 ms');
      assert.ok(!error.message.includes(FIRST_JWT));
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});

describe('the built service with VAULT_AUTH_METHOD=kubernetes (Vault API test server)', function () {
  this.timeout(30_000);
  let vault: VaultTestServer;
  let service: ChildService | undefined;
  beforeEach(async () => {
    vault = await startVaultTestServer();
    vault.addKubernetesRole({ ...ROLE, allowedPaths: ['secret/items-api'] });
    vault.setServiceAccountToken(FIRST_JWT, true);
    vault.putSecret('secret', 'items-api', { api_key: API_KEY });
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await vault.close();
  });

  it('logs in with the projected token, turns ready, revokes its token on SIGTERM, and never logs the token', async () => {
    const token = projectedToken(`${FIRST_JWT}\n`);
    service = await startChildService(kubernetesServiceEnv(vault.url, token.file));
    await service.waitForEvent('vault_secrets_loaded');
    const ready = await fetch(`${service.baseUrl}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(vault.kubernetesLogins.map((login) => [login.role, login.jwt]), [[ROLE.name, FIRST_JWT]]);
    assert.equal(await service.stop(), 0);
    assert.equal(vault.liveTokenCount(), 0);
    const stdout = service.rawLines.join('\n');
    for (const secret of [FIRST_JWT, 'projected-token-do-not-log', API_KEY, 'hvs.']) assert.ok(!stdout.includes(secret), `leaked ${secret}`);
  });

  it('stays live and not ready while the token file is empty, naming the file in readiness', async () => {
    const token = projectedToken('');
    service = await startChildService(kubernetesServiceEnv(vault.url, token.file));
    await service.waitForEvent('vault_cycle_failed');
    assert.equal((await fetch(`${service.baseUrl}/health`)).status, 200);
    const ready = await fetch(`${service.baseUrl}/ready`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { checks: Record<string, string> };
    assert.equal(body.checks.vault, `login_failed: ServiceAccount token file ${token.file} is empty`);
  });
});
