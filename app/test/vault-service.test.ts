import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildService, type ChildService } from './support/child-service.js';
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

  function start(secretId: string, wrapped = false): Promise<ChildService> {
    const { roleIdFile, secretIdFile } = mountedCredentials(secretId);
    return startChildService({
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
    await service.waitForEvent('vault_cycle_failed');
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
});
