import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VaultAuthConfig } from '../src/config/load.js';
import { assertRevokesOnStop, harness, step, type Harness } from './support/secret-manager-harness.js';
import { startVaultTestServer, type VaultTestServer } from './support/vault-test-server.js';

const ROLE = { roleId: 'role-abc', secretId: 'secret-id-do-not-log-42', tokenTtl: 3600, tokenMaxTtl: 7200 };
const API_KEY = 'api-key-from-kv-do-not-log-0123';

const appRole = (secretId: string = ROLE.secretId, wrapped = false): VaultAuthConfig => ({
  method: 'approle',
  roleId: { kind: 'value', value: ROLE.roleId },
  secretId: { kind: 'value', value: secretId },
  secretIdWrapped: wrapped,
});

describe('VaultSecretManager (login, KV read, renewal, re-login, retry) against the Vault API test server', () => {
  let vault: VaultTestServer;
  beforeEach(async () => {
    vault = await startVaultTestServer();
    vault.addAppRole(ROLE);
    vault.putSecret('secret', 'items-api', { api_key: API_KEY, jwt_secret: 'jwt-secret-value', database_url: 'postgres://u:p@db/x' });
  });
  afterEach(() => vault.close());

  it('logs in with AppRole, loads api_key/jwt_secret/database_url, turns ready, and schedules renewal at 2/3 of the TTL', async () => {
    const h = harness(vault, appRole());
    assert.equal(h.manager.status(), 'pending');
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'ok');
    assert.deepEqual(h.loaded, [{ apiKey: API_KEY, jwtSecret: 'jwt-secret-value', databaseUrl: 'postgres://u:p@db/x' }]);
    assert.deepEqual(h.scheduler.pendingDelays(), [2400_000]);
    assert.deepEqual(h.logins, ['success']);
  });

  it('reads role_id and secret_id from mounted files (the Kubernetes Secret case)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-creds-'));
    writeFileSync(join(dir, 'role-id'), `${ROLE.roleId}\n`);
    writeFileSync(join(dir, 'secret-id'), `${ROLE.secretId}\n`);
    const h = harness(vault, {
      method: 'approle',
      roleId: { kind: 'file', path: join(dir, 'role-id') },
      secretId: { kind: 'file', path: join(dir, 'secret-id') },
      secretIdWrapped: false,
    });
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'ok');
  });

  it('unwraps a wrapped secret_id once and reuses it for later logins', async () => {
    const wrappingToken = vault.wrap({ secret_id: ROLE.secretId });
    const h = harness(vault, appRole(wrappingToken, true));
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'ok');
    vault.revokeAllTokens(); // forces the next renewal to fail and a fresh login to happen
    await step(h);
    assert.equal(h.manager.status(), 'ok');
    assert.equal(vault.countRequests('POST', '/v1/sys/wrapping/unwrap'), 1);
    assert.equal(vault.countRequests('POST', '/v1/auth/approle/login'), 2);
  });

  it('renews the token at 2/3 TTL, re-reads the secret (picking up rotation), then logs in afresh once renewal is capped by max TTL', async () => {
    const h = harness(vault, appRole());
    h.manager.start();
    await h.manager.settled();

    vault.advanceClock(2400);
    vault.putSecret('secret', 'items-api', { api_key: 'rotated-key-0123456789abcdef' });
    assert.equal(await step(h), 2400_000);
    assert.equal(vault.countRequests('POST', '/v1/auth/token/renew-self'), 1);
    assert.equal(h.loaded.at(-1)?.apiKey, 'rotated-key-0123456789abcdef');
    assert.deepEqual(h.scheduler.pendingDelays(), [2400_000], 'the renewal extended the full TTL');

    vault.advanceClock(2400); // 4800 s after login: a renewal is capped at 7200 - 4800 = 2400 s
    await step(h);
    assert.equal(vault.countRequests('POST', '/v1/auth/token/renew-self'), 2);
    assert.deepEqual(h.scheduler.pendingDelays(), [1600_000], '2/3 of the capped lease');

    vault.advanceClock(1600);
    await step(h);
    assert.equal(vault.countRequests('POST', '/v1/auth/approle/login'), 2, 'fresh login instead of a third renewal');
    assert.equal(vault.countRequests('POST', '/v1/auth/token/renew-self'), 2);
    assert.equal(h.manager.status(), 'ok');
  });

  it('logs in again when renewal fails (token revoked)', async () => {
    const h = harness(vault, appRole());
    h.manager.start();
    await h.manager.settled();
    vault.revokeAllTokens();
    await step(h);
    assert.equal(vault.countRequests('POST', '/v1/auth/approle/login'), 2);
    assert.equal(h.manager.status(), 'ok');
    assert.equal(h.logs.events('vault_renew_failed_relogin').length, 1);
  });

  it('after a 500 outlasting the client retries, reports login_failed, retries with backoff and recovers', async () => {
    vault.failNext(3, 500);
    const h = harness(vault, appRole());
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'login_failed: POST /v1/auth/approle/login: HTTP 500: internal error');
    const [retryDelay] = h.scheduler.pendingDelays();
    assert.ok(retryDelay !== undefined && retryDelay >= 500 && retryDelay <= 1000, `first retry within [base/2, base]: ${retryDelay}`);
    await step(h);
    assert.equal(h.manager.status(), 'ok');
    assert.deepEqual(h.logins, ['failure', 'success']);
  });

  it('with Vault down at start, stays not ready with a clear reason, keeps retrying, and becomes ready when Vault is back', async () => {
    vault.setReachable(false);
    const h = harness(vault, appRole());
    h.manager.start();
    await h.manager.settled();
    assert.match(h.manager.status(), /^login_failed: POST \/v1\/auth\/approle\/login: connection failed/);
    const firstDelays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) firstDelays.push(await step(h));
    assert.match(h.manager.status(), /^login_failed: /);
    assert.ok(firstDelays[3]! > firstDelays[0]!, `backoff grows: ${firstDelays.join(', ')}`);
    vault.setReachable(true);
    await step(h);
    assert.equal(h.manager.status(), 'ok');
  });

  it('says login_failed with Vault\'s reason for a wrong secret_id, and never logs a secret', async () => {
    const h = harness(vault, appRole('wrong-secret-id-should-not-leak'));
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'login_failed: POST /v1/auth/approle/login: HTTP 400: invalid role or secret ID');
    // The refused login is retried after 30-60 s (not 0.5-1 s), and the credential files are watched meanwhile.
    const [retry, watch] = h.scheduler.pendingDelays();
    assert.ok(retry! >= 30_000 && retry! <= 60_000, `retry in ${retry} ms`);
    assert.equal(watch, 5000);
    assert.equal(h.logs.events('vault_login_refused').length, 1);
    const text = h.logs.text();
    for (const secret of ['wrong-secret-id-should-not-leak', ROLE.secretId, API_KEY, 'hvs.']) assert.ok(!text.includes(secret), secret);
  });

  it('reports secret_invalid when the KV secret has no api_key', async () => {
    vault.putSecret('secret', 'items-api', { jwt_secret: 'x' });
    const h = harness(vault, appRole());
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'secret_invalid: api_key is missing or empty');
  });

  it('supports the token auth method with a token file, re-reading secrets periodically when the token never expires', async () => {
    vault.addToken('static-token-xyz', { ttl: 0, maxTtl: 0, renewable: false });
    const dir = mkdtempSync(join(tmpdir(), 'vault-token-'));
    writeFileSync(join(dir, 'token'), 'static-token-xyz');
    const h = harness(vault, { method: 'token', token: { kind: 'file', path: join(dir, 'token') } });
    h.manager.start();
    await h.manager.settled();
    assert.equal(h.manager.status(), 'ok');
    assert.deepEqual(h.scheduler.pendingDelays(), [300_000]);
  });

  it('stop() cancels the pending renewal', async () => {
    const h = harness(vault, appRole());
    h.manager.start();
    await h.manager.settled();
    await h.manager.stop();
    assert.deepEqual(h.scheduler.pendingDelays(), []);
  });

  it('revokes its AppRole token on stop(), so the token does not outlive the pod', async () => {
    const h = harness(vault, appRole());
    await assertRevokesOnStop(vault, h);
  });

  it('leaves a given token (token method) unrevoked on stop(): it is not the service\'s own', async () => {
    vault.addToken('given-token-xyz', { ttl: 0, maxTtl: 0, renewable: false });
    const h = harness(vault, { method: 'token', token: { kind: 'value', value: 'given-token-xyz' } });
    h.manager.start();
    await h.manager.settled();
    await h.manager.stop();
    assert.equal(vault.countRequests('POST', '/v1/auth/token/revoke-self'), 0);
  });

  it('logs a change of the KV version once, with both versions', async () => {
    const h = harness(vault, appRole());
    h.manager.start();
    await h.manager.settled();
    await step(h); // renewal + re-read, same version
    vault.putSecret('secret', 'items-api', { api_key: 'rotated-api-key-0123456789abcdef' });
    await step(h);
    assert.deepEqual(
      h.logs.events('vault_secret_version_changed').map((line) => [line.previous_version, line.secret_version]),
      [[1, 2]],
    );
    assert.equal(h.logs.events('vault_secrets_loaded').length, 1);
  });
});

describe('VaultSecretManager and Vault\'s AppRole lockout', () => {
  let vault: VaultTestServer;
  let dir: string;
  beforeEach(async () => {
    // A threshold of 2 stands for the mount's user_lockout_config (Vault's default is 5).
    vault = await startVaultTestServer({ lockoutThreshold: 2 });
    vault.addAppRole(ROLE);
    vault.putSecret('secret', 'items-api', { api_key: API_KEY });
    dir = mkdtempSync(join(tmpdir(), 'vault-lockout-'));
    writeFileSync(join(dir, 'role-id'), ROLE.roleId);
    writeFileSync(join(dir, 'secret-id'), 'stale-secret-id-0123');
  });
  afterEach(() => vault.close());

  const fileAuth = (): VaultAuthConfig => ({
    method: 'approle',
    roleId: { kind: 'file', path: join(dir, 'role-id') },
    secretId: { kind: 'file', path: join(dir, 'secret-id') },
    secretIdWrapped: false,
  });

  /** Fires the pending timer with the given delay (the login retry or the credential watch). */
  async function fire(h: Harness, delayMs: number): Promise<void> {
    while (h.scheduler.pendingDelays()[0] !== delayMs) h.scheduler.skipNext();
    await step(h);
  }

  it('names the lockout in readiness, logs it at error, and recovers once unlocked', async () => {
    const h = harness(vault, fileAuth());
    h.manager.start();
    await h.manager.settled();
    const retry = h.scheduler.pendingDelays()[0]!;
    await fire(h, retry); // second refused login: the role_id is now locked
    writeFileSync(join(dir, 'secret-id'), ROLE.secretId); // the rotated Secret arrives
    await fire(h, 5000); // the watch sees the change and logs in at once: Vault still refuses (locked)
    assert.match(h.manager.status(), /^login_locked_out: POST \/v1\/auth\/approle\/login: HTTP 403: permission denied \(Vault locks a role_id out/);
    assert.equal(h.logs.events('vault_login_locked_out')[0]?.level, 'error');
    vault.unlock(ROLE.roleId);
    await fire(h, h.scheduler.pendingDelays()[0]!);
    assert.equal(h.manager.status(), 'ok');
    assert.ok(!h.logs.text().includes(ROLE.secretId));
  });

  it('retries at once when the mounted secret-id changes, without waiting out the backoff', async () => {
    const h = harness(vault, fileAuth());
    h.manager.start();
    await h.manager.settled();
    await fire(h, 5000); // unchanged files: nothing happens but the next watch
    assert.equal(vault.countRequests('POST', '/v1/auth/approle/login'), 1);
    writeFileSync(join(dir, 'secret-id'), ROLE.secretId);
    await fire(h, 5000);
    assert.equal(h.manager.status(), 'ok');
    assert.equal(h.logs.events('vault_credentials_changed_retrying').length, 1);
    assert.equal(vault.countRequests('POST', '/v1/auth/approle/login'), 2);
  });

  it('logs in on the configured AppRole mount, not a hard-coded "approle"', async () => {
    const other = await startVaultTestServer({ approleMount: 'approle-apps' });
    try {
      other.addAppRole(ROLE);
      other.putSecret('secret', 'items-api', { api_key: API_KEY });
      const h = harness(other, appRole(), other.url, { approleMount: 'approle-apps' });
      h.manager.start();
      await h.manager.settled();
      assert.equal(h.manager.status(), 'ok');
      assert.equal(other.countRequests('POST', '/v1/auth/approle-apps/login'), 1);
    } finally {
      await other.close();
    }
  });
});
