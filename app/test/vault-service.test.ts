import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServiceToExit, startChildService, type ChildService } from './support/child-service.js';
import { makeTestCertificates } from './support/test-ca.js';
import { startVaultTestServer, type VaultTestServer } from './support/vault-test-server.js';

const ROLE = { roleId: 'items-api-role', secretId: 'items-api-secret-id-never-logged', tokenTtl: 3600, tokenMaxTtl: 14400 };
const KV_API_KEY = 'api-key-delivered-by-vault-0123';

async function readiness(service: ChildService): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await fetch(`${service.baseUrl}/ready`);
  return { status: response.status, checks: ((await response.json()) as { checks: Record<string, string> }).checks };
}

/** The AppRole credentials as the pod gets them: files from a mounted Kubernetes Secret. */
function mountedCredentials(secretId: string): { roleIdFile: string; secretIdFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vault-mount-'));
  writeFileSync(join(dir, 'role-id'), `${ROLE.roleId}\n`);
  writeFileSync(join(dir, 'secret-id'), `${secretId}\n`);
  return { roleIdFile: join(dir, 'role-id'), secretIdFile: join(dir, 'secret-id') };
}

describe('the built service with Vault on (AppRole files, Vault API test server)', function () {
  this.timeout(30_000);
  let vault: VaultTestServer;
  let service: ChildService | undefined;

  beforeEach(async () => {
    vault = await startVaultTestServer();
    vault.addAppRole({ ...ROLE, allowedPaths: ['secret/items-api'] });
    vault.putSecret('secret', 'items-api', { api_key: KV_API_KEY, jwt_secret: 'jwt' });
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await vault.close();
  });

  function start(secretId: string, wrapped = false, extra: Record<string, string> = {}): Promise<ChildService> {
    const { roleIdFile, secretIdFile } = mountedCredentials(secretId);
    return startChildService({
      ...extra,
      APP_ENV: 'production',
      VAULT_ENABLED: 'true',
      VAULT_URL: vault.url,
      VAULT_AUTH_METHOD: 'approle',
      VAULT_ROLE_ID_FILE: roleIdFile,
      VAULT_SECRET_ID_FILE: secretIdFile,
      VAULT_SECRET_ID_WRAPPED: String(wrapped),
      VAULT_SECRET_PATH: 'items-api',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
  }

  it('logs in, loads the KV secret, turns ready, and enforces the api_key from Vault on writes', async () => {
    service = await start(ROLE.secretId);
    await service.waitForEvent('vault_secrets_loaded');
    assert.deepEqual(await readiness(service), { status: 200, checks: { config: 'ok', shutdown: 'ok', vault: 'ok' } });
    const post = (key: string) =>
      fetch(`${service!.baseUrl}/api/v1/items/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'from-vault', price: 1 }),
      });
    assert.equal((await post('not-the-vault-key-000000')).status, 401);
    assert.equal((await post(KV_API_KEY)).status, 201);
    const stdout = service.rawLines.join('\n');
    assert.ok(!stdout.includes(ROLE.secretId) && !stdout.includes(KV_API_KEY), 'no secret in the logs');
  });

  it('unwraps a response-wrapped secret_id before logging in', async () => {
    service = await start(vault.wrap({ secret_id: ROLE.secretId }), true);
    await service.waitForEvent('vault_secrets_loaded');
    assert.equal((await readiness(service)).status, 200);
    assert.equal(vault.countRequests('POST', '/v1/sys/wrapping/unwrap'), 1);
  });

  it('with a wrong secret_id: stays live, readiness 503 says login_failed with Vault\'s reason, writes answer 503', async () => {
    service = await start('wrong-secret-id-value');
    await service.waitForEvent('vault_login_refused');
    assert.equal((await fetch(`${service.baseUrl}/health`)).status, 200);
    const ready = await readiness(service);
    assert.equal(ready.status, 503);
    assert.equal(ready.checks.vault, 'login_failed: POST /v1/auth/approle/login: HTTP 400: invalid role or secret ID');
    const write = await fetch(`${service.baseUrl}/api/v1/items/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KV_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', price: 1 }),
    });
    assert.equal(write.status, 503);
    // An expected 503 is an answer, not a failure: no error line, no stack.
    assert.deepEqual(service.lines.filter((line) => line.event === 'request_failed' || line.level === 'error'), []);
    assert.ok(!service.rawLines.join('\n').includes('wrong-secret-id-value'));
  });

  it('with Vault unreachable at start: stays live and not ready, keeps retrying, becomes ready when Vault is back', async () => {
    vault.setReachable(false);
    service = await start(ROLE.secretId);
    await service.waitForEvent('vault_cycle_failed');
    assert.equal((await fetch(`${service.baseUrl}/health`)).status, 200);
    const down = await readiness(service);
    assert.equal(down.status, 503);
    assert.match(down.checks.vault ?? '', /^login_failed: POST \/v1\/auth\/approle\/login: connection failed/);
    vault.setReachable(true);
    await service.waitForEvent('vault_secrets_loaded', 15_000);
    assert.equal((await readiness(service)).status, 200);
    assert.equal(service.process.exitCode, null, 'never exited (no crash loop)');
  });

  it('revokes its token on SIGTERM', async () => {
    service = await start(ROLE.secretId);
    await service.waitForEvent('vault_secrets_loaded');
    assert.equal(vault.liveTokenCount(), 1);
    assert.equal(await service.stop(), 0);
    assert.equal(vault.liveTokenCount(), 0);
    assert.ok(service.lines.some((line) => line.event === 'vault_token_revoked'));
  });

  it('says database_url_present_but_unused once, not at every refresh', async () => {
    await vault.close();
    vault = await startVaultTestServer();
    // A 3 s token renews every 2 s, and every renewal re-reads the secret.
    vault.addAppRole({ ...ROLE, tokenTtl: 3, tokenMaxTtl: 3600 });
    vault.putSecret('secret', 'items-api', { api_key: KV_API_KEY, database_url: 'postgres://user:pw@db/items' });
    service = await start(ROLE.secretId);
    await service.waitForEvent('vault_token_renewed', 15_000, 2);
    assert.equal(service.lines.filter((line) => line.event === 'database_url_present_but_unused').length, 1);
  });

  it('reaches a TLS Vault through VAULT_CA_CERT_FILE, and reports the TLS error without it', async () => {
    const certs = makeTestCertificates();
    await vault.close();
    vault = await startVaultTestServer({ tls: { key: certs.serverKeyPem, cert: certs.serverCertPem } });
    vault.addAppRole({ ...ROLE, allowedPaths: ['secret/items-api'] });
    vault.putSecret('secret', 'items-api', { api_key: KV_API_KEY });
    service = await start(ROLE.secretId, false, { VAULT_CA_CERT_FILE: certs.caCertFile });
    await service.waitForEvent('vault_secrets_loaded');
    assert.equal((await readiness(service)).status, 200);
    await service.stop();
    service = await start(ROLE.secretId);
    await service.waitForEvent('vault_cycle_failed');
    assert.match((await readiness(service)).checks.vault ?? '', /^login_failed: POST \/v1\/auth\/approle\/login: connection failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)$/);
  });

  it('refuses to start with a VAULT_CA_CERT_FILE that holds no certificate', async () => {
    const { roleIdFile, secretIdFile } = mountedCredentials(ROLE.secretId);
    const notACert = join(mkdtempSync(join(tmpdir(), 'vault-ca-')), 'ca.crt');
    writeFileSync(notACert, 'not a certificate\n');
    const result = await runServiceToExit({
      APP_ENV: 'production',
      VAULT_ENABLED: 'true',
      VAULT_URL: vault.url,
      VAULT_ROLE_ID_FILE: roleIdFile,
      VAULT_SECRET_ID_FILE: secretIdFile,
      VAULT_SECRET_PATH: 'items-api',
      VAULT_CA_CERT_FILE: notACert,
    });
    assert.equal(result.exitCode, 1);
    assert.match(result.stdoutLines.join('\n'), /VAULT_CA_CERT_FILE: file \S+ holds no PEM certificate/);
  });
});
