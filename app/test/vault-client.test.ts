import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VaultClient, VaultError } from '../src/vault/client.js';
import { makeTestCertificates, type TestCertificates } from './support/test-ca.js';
import { startVaultTestServer, type VaultTestServer } from './support/vault-test-server.js';

const ROLE = { roleId: 'role-1234', secretId: 'secret-id-very-secret-5678', tokenTtl: 3600, tokenMaxTtl: 14400 };
const noWait = async () => undefined;

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function rejectsWith(promise: Promise<unknown>): Promise<VaultError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VaultError, `expected VaultError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('VaultClient against the Vault API test server', () => {
  let vault: VaultTestServer;
  let client: VaultClient;
  beforeEach(async () => {
    vault = await startVaultTestServer();
    vault.addAppRole(ROLE);
    vault.putSecret('secret', 'items-api', { api_key: 'kv-api-key-abcdef0123456789', jwt_secret: 'jwt' });
    client = new VaultClient({ url: vault.url, sleep: noWait });
  });
  afterEach(() => vault.close());

  it('logs in with AppRole and returns the token, its TTL and renewability', async () => {
    const token = await client.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle');
    assert.match(token.clientToken, /^hvs\./);
    assert.equal(token.leaseDurationSeconds, 3600);
    assert.equal(token.renewable, true);
    assert.equal(vault.countRequests('POST', '/v1/auth/approle/login'), 1);
  });

  it('reads a KV v2 secret with the token: data and version', async () => {
    const token = await client.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle');
    vault.putSecret('secret', 'items-api', { api_key: 'rotated-api-key-0123456789' });
    const secret = await client.readKv2(token.clientToken, 'secret', 'items-api');
    assert.deepEqual(secret.data, { api_key: 'rotated-api-key-0123456789' });
    assert.equal(secret.version, 2);
    assert.equal(vault.requests.at(-1)?.path, '/v1/secret/data/items-api');
    assert.equal(vault.requests.at(-1)?.hadToken, true);
  });

  it('unwraps a response-wrapped secret_id once; the wrapping token is then spent', async () => {
    const wrappingToken = vault.wrap({ secret_id: ROLE.secretId, secret_id_accessor: 'acc' });
    assert.equal(await client.unwrapSecretId(wrappingToken), ROLE.secretId);
    const second = await rejectsWith(client.unwrapSecretId(wrappingToken));
    assert.equal(second.status, 400);
    assert.match(second.message, /wrapping token is not valid/);
  });

  it('renews its own token and reports a shorter lease once the max TTL caps it', async () => {
    vault.addAppRole({ roleId: 'short-max', secretId: 's', tokenTtl: 3600, tokenMaxTtl: 6000 });
    const token = await client.loginWithAppRole('short-max', 's', 'approle');
    vault.advanceClock(2400);
    assert.equal((await client.renewSelf(token.clientToken)).leaseDurationSeconds, 3600);
    vault.advanceClock(2400);
    assert.equal((await client.renewSelf(token.clientToken)).leaseDurationSeconds, 1200, 'capped at max TTL 6000 - 4800');
  });

  it('looks up a given token (token auth method)', async () => {
    vault.addToken('static-token-1', { ttl: 0, maxTtl: 0, renewable: false });
    const token = await client.lookupSelf('static-token-1');
    assert.equal(token.leaseDurationSeconds, 0);
    assert.equal(token.renewable, false);
  });

  it('retries a 500 with backoff and recovers within the bounded attempts', async () => {
    vault.failNext(2, 500);
    const token = await client.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle');
    assert.equal(token.leaseDurationSeconds, 3600);
    assert.deepEqual(
      vault.requests.map((request) => request.status),
      [500, 500, 200],
    );
  });

  it('gives up after 3 attempts on persistent 5xx and reports the status', async () => {
    vault.failNext(5, 503);
    const error = await rejectsWith(client.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle'));
    assert.equal(error.status, 503);
    assert.equal(error.message, 'POST /v1/auth/approle/login: HTTP 503: internal error');
    assert.equal(vault.requests.length, 3);
  });

  it('does not retry a 400 (bad credentials) and keeps the secret_id out of the message', async () => {
    const error = await rejectsWith(client.loginWithAppRole(ROLE.roleId, 'wrong-secret-id-value', 'approle'));
    assert.equal(error.status, 400);
    assert.equal(error.message, 'POST /v1/auth/approle/login: HTTP 400: invalid role or secret ID');
    assert.ok(!error.message.includes('wrong-secret-id-value'));
    assert.equal(vault.requests.length, 1);
  });

  it('reports an unreachable Vault as a retriable connection failure', async () => {
    const unreachable = new VaultClient({ url: await closedPortUrl(), sleep: noWait });
    const error = await rejectsWith(unreachable.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle'));
    assert.equal(error.status, undefined);
    assert.equal(error.retriable, true);
    assert.equal(error.message, 'POST /v1/auth/approle/login: connection failed (ECONNREFUSED)');
  });

  it('times out each attempt of a call to a Vault that never answers', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as AddressInfo;
      const slow = new VaultClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 100, retry: { attempts: 2, baseMs: 1, maxMs: 1 } });
      const error = await rejectsWith(slow.readKv2('t', 'secret', 'x'));
      assert.equal(error.message, 'GET /v1/secret/data/x: timed out after 100 ms');
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('sends X-Vault-Namespace on every call when a namespace is configured', async () => {
    const namespaced = new VaultClient({ url: vault.url, sleep: noWait, namespace: 'admin/team-a' });
    const token = await namespaced.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle');
    await namespaced.readKv2(token.clientToken, 'secret', 'items-api');
    assert.deepEqual(vault.requests.map((request) => request.namespace), ['admin/team-a', 'admin/team-a']);
  });
});

describe('VaultClient over TLS with a private CA (a cluster Vault no public CA signs)', () => {
  let certs: TestCertificates;
  let vault: VaultTestServer;
  before(() => {
    certs = makeTestCertificates();
  });
  beforeEach(async () => {
    vault = await startVaultTestServer({ tls: { key: certs.serverKeyPem, cert: certs.serverCertPem } });
    vault.addAppRole(ROLE);
  });
  afterEach(() => vault.close());

  it('refuses Vault\'s certificate without the CA, naming the TLS error', async () => {
    const untrusting = new VaultClient({ url: vault.url, sleep: noWait, retry: { attempts: 1, baseMs: 1, maxMs: 1 } });
    const error = await rejectsWith(untrusting.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle'));
    assert.match(error.message, /^POST \/v1\/auth\/approle\/login: connection failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)$/);
  });

  it('trusts Vault through the configured CA alone, without NODE_EXTRA_CA_CERTS', async () => {
    // The refusal above shows the process-wide trust store lacks this CA; only the client option adds it.
    assert.notEqual(process.env.NODE_EXTRA_CA_CERTS, certs.caCertFile);
    const trusting = new VaultClient({ url: vault.url, sleep: noWait, ca: certs.caCertPem });
    const token = await trusting.loginWithAppRole(ROLE.roleId, ROLE.secretId, 'approle');
    assert.ok(token.clientToken.startsWith('hvs.'));
  });
});
