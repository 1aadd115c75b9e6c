/**
 * A VaultSecretManager wired for tests: a real VaultClient against a Vault API test server, a manual scheduler
 * (renewals and retries fire when the test says), captured debug logs, and the secrets and login results it
 * reported.
 */
import assert from 'node:assert/strict';
import { nodeFileAccess, type VaultAuthConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { VaultClient, type VaultClientOptions } from '../../src/vault/client.js';
import { VaultSecretManager, type AppSecrets } from '../../src/vault/secret-manager.js';
import { LogCapture } from './log-capture.js';
import { ManualScheduler } from './manual-scheduler.js';
import type { VaultTestServer } from './vault-test-server.js';

export interface Harness {
  manager: VaultSecretManager;
  scheduler: ManualScheduler;
  logs: LogCapture;
  loaded: AppSecrets[];
  logins: string[];
}

export function harness(
  vault: VaultTestServer,
  auth: VaultAuthConfig,
  url = vault.url,
  options: { approleMount?: string; client?: Partial<Omit<VaultClientOptions, 'url'>> } = {},
): Harness {
  const scheduler = new ManualScheduler();
  const logs = new LogCapture();
  const loaded: AppSecrets[] = [];
  const logins: string[] = [];
  const logger = createLogger({ service: 't', version: '0', environment: 'test', level: 'debug', format: 'json', withTraceContext: false }, logs);
  const manager = new VaultSecretManager({
    client: new VaultClient({ url, sleep: async () => undefined, timeoutMs: 2000, ...options.client }),
    auth,
    mountPoint: 'secret',
    secretPath: 'items-api',
    approleMount: options.approleMount ?? 'approle',
    logger,
    files: nodeFileAccess,
    scheduler,
    onSecrets: (secrets) => loaded.push(secrets),
    onLogin: (result) => logins.push(result),
  });
  return { manager, scheduler, logs, loaded, logins };
}

/** Fires the oldest pending timer, waits for the cycle it started, and returns the timer's delay. */
export async function step(h: Harness): Promise<number> {
  const delay = h.scheduler.fireNext();
  await h.manager.settled();
  return delay;
}

/**
 * Starts the manager, lets it log in, stops it, and asserts that stopping revoked the one token it held:
 * whichever login issued it, a token must not outlive the pod.
 */
export async function assertRevokesOnStop(vault: VaultTestServer, h: Harness): Promise<void> {
  h.manager.start();
  await h.manager.settled();
  assert.equal(vault.liveTokenCount(), 1);
  await h.manager.stop();
  assert.equal(vault.liveTokenCount(), 0);
  assert.equal(vault.countRequests('POST', '/v1/auth/token/revoke-self'), 1);
  assert.equal(h.logs.events('vault_token_revoked').length, 1);
}
