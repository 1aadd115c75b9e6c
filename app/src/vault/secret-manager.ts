import { createHash } from 'node:crypto';
import type { CredentialSource, FileAccess, VaultAuthConfig } from '../config/load.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { VaultError, type VaultClient, type VaultToken } from './client.js';

/** The secrets the service reads from its KV path. */
export interface AppSecrets {
  apiKey: string;
  jwtSecret: string | undefined;
  databaseUrl: string | undefined;
}

export interface Scheduler {
  schedule(callback: () => void, delayMs: number): { cancel(): void };
}

export const timerScheduler: Scheduler = {
  schedule(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    // Pending renewals must not keep a shutting-down process alive.
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface SecretManagerOptions {
  client: VaultClient;
  auth: VaultAuthConfig;
  mountPoint: string;
  secretPath: string;
  logger: Logger;
  files: FileAccess;
  onSecrets: (secrets: AppSecrets) => void;
  onLogin?: (result: 'success' | 'failure') => void;
  scheduler?: Scheduler;
  /** Backoff between failed cycles; the loop never gives up, so the pod stays live and keeps trying. */
  retry?: BackoffPolicy;
  /** Re-read interval for tokens that never expire (nothing to renew, but secrets can still rotate). */
  refreshSeconds?: number;
}

type Step = 'login' | 'renew' | 'refresh';
type Phase = 'login' | 'read';

/** Share of the token TTL after which the token is renewed (or replaced): about 2/3, as in the reference. */
export const RENEW_AT_FRACTION = 2 / 3;

export function parseAppSecrets(data: Record<string, unknown>): AppSecrets {
  const optional = (key: string) => (typeof data[key] === 'string' && data[key] !== '' ? (data[key] as string) : undefined);
  const apiKey = optional('api_key');
  if (apiKey === undefined) throw new Error('secret_invalid: api_key is missing or empty');
  return { apiKey, jwtSecret: optional('jwt_secret'), databaseUrl: optional('database_url') };
}

/**
 * Keeps the service's Vault secrets loaded: login, KV read, renewal at 2/3 of the TTL, a fresh login once
 * renewal stops extending the token (max TTL reached) or fails, and a never-ending jittered retry on failure.
 *
 * Readiness: "ok" once secrets have loaded at least once. A later Vault outage keeps the secrets in memory and
 * the pod ready (taking every replica out because Vault blipped would turn a Vault incident into an outage).
 */
export class VaultSecretManager {
  private token: (VaultToken & { capped: boolean }) | undefined;
  private loaded = false;
  private lastFailure: string | undefined;
  private failures = 0;
  private pending: { cancel(): void } | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private unwrapped: { wrappingTokenHash: string; secretId: string } | undefined;
  private readonly scheduler: Scheduler;
  private readonly retry: BackoffPolicy;
  private readonly log: Logger;

  constructor(private readonly options: SecretManagerOptions) {
    this.scheduler = options.scheduler ?? timerScheduler;
    this.retry = options.retry ?? { baseMs: 1000, maxMs: 30_000 };
    this.log = options.logger.child({ logger: 'vault' });
  }

  /** The readiness check value: "ok", "pending", or "<phase>_failed: <reason>". */
  status(): string {
    if (this.loaded) return 'ok';
    return this.lastFailure ?? 'pending';
  }

  start(): void {
    this.runStep('login');
  }

  /** Resolves when the current cycle (if any) finished; used by tests. */
  async settled(): Promise<void> {
    await this.running;
  }

  /**
   * Cancels the next scheduled step. A cycle already in flight is not awaited: with retries it can take
   * longer than the shutdown budget, and its result is ignored once stopped.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending?.cancel();
  }

  private runStep(step: Step): void {
    this.pending = undefined;
    if (this.stopped) return;
    this.running = this.cycle(step);
  }

  private schedule(step: Step, delayMs: number): void {
    if (this.stopped) return;
    this.log.debug({ next_step: step, delay_ms: delayMs }, 'vault_step_scheduled');
    this.pending = this.scheduler.schedule(() => this.runStep(step), delayMs);
  }

  private async cycle(step: Step): Promise<void> {
    // renew() never throws (a failed renewal clears the token), so a cycle fails either logging in or reading.
    let phase: Phase = 'login';
    try {
      if (step === 'renew' && this.token !== undefined) {
        await this.renew(this.token);
      }
      if (this.token === undefined || step === 'login') {
        phase = 'login';
        await this.login();
      }
      phase = 'read';
      const token = this.token as unknown as VaultToken;
      const secret = await this.options.client.readKv2(token.clientToken, this.options.mountPoint, this.options.secretPath);
      this.options.onSecrets(parseAppSecrets(secret.data));
      if (!this.loaded) this.log.info({ secret_version: secret.version }, 'vault_secrets_loaded');
      this.loaded = true;
      this.lastFailure = undefined;
      this.failures = 0;
      this.scheduleAfterSuccess();
    } catch (error) {
      this.failures += 1;
      const reason = error instanceof Error ? error.message : String(error);
      this.lastFailure = reason.startsWith('secret_invalid') ? reason : `${phase}_failed: ${reason}`;
      // A token Vault rejects (expired, revoked) is useless: the retry starts over with a fresh login.
      const tokenRejected = error instanceof VaultError && (error.status === 401 || error.status === 403);
      if (phase === 'login' || tokenRejected) this.token = undefined;
      const delay = backoffDelayMs(this.failures, this.retry);
      this.log.warn({ phase, reason, attempt: this.failures, retry_in_ms: delay }, 'vault_cycle_failed');
      this.schedule(this.token === undefined ? 'login' : 'refresh', delay);
    }
  }

  private scheduleAfterSuccess(): void {
    const token = this.token as VaultToken & { capped: boolean };
    if (token.leaseDurationSeconds === 0) {
      this.schedule('refresh', (this.options.refreshSeconds ?? 300) * 1000);
      return;
    }
    const delayMs = Math.floor(token.leaseDurationSeconds * RENEW_AT_FRACTION * 1000);
    this.schedule(token.renewable && !token.capped ? 'renew' : 'login', delayMs);
  }

  private async renew(current: VaultToken & { capped: boolean }): Promise<void> {
    try {
      const renewed = await this.options.client.renewSelf(current.clientToken);
      // Vault caps a renewal at the token's max TTL: a shorter lease than before means renewal stopped
      // extending it, so the next step is a fresh login before it expires.
      const capped = renewed.leaseDurationSeconds < current.leaseDurationSeconds;
      this.token = { ...renewed, capped };
      this.log.info({ lease_seconds: renewed.leaseDurationSeconds, capped }, 'vault_token_renewed');
    } catch (error) {
      this.log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'vault_renew_failed_relogin');
      this.token = undefined;
    }
  }

  private async login(): Promise<void> {
    try {
      this.token = { ...(await this.authenticate()), capped: false };
      this.options.onLogin?.('success');
      this.log.info(
        { method: this.options.auth.method, lease_seconds: this.token.leaseDurationSeconds, renewable: this.token.renewable },
        'vault_login_succeeded',
      );
    } catch (error) {
      this.options.onLogin?.('failure');
      throw error;
    }
  }

  private async authenticate(): Promise<VaultToken> {
    const { auth, client } = this.options;
    if (auth.method === 'token') return client.lookupSelf(this.readCredential(auth.token, 'token'));
    const roleId = this.readCredential(auth.roleId, 'role_id');
    const secretId = auth.secretIdWrapped
      ? await this.unwrapSecretId(this.readCredential(auth.secretId, 'wrapped secret_id'))
      : this.readCredential(auth.secretId, 'secret_id');
    return client.loginWithAppRole(roleId, secretId);
  }

  /**
   * A wrapping token can be unwrapped once. The unwrapped secret_id is kept in memory for later logins, and
   * unwrapped again only when the mounted wrapping token changes.
   */
  private async unwrapSecretId(wrappingToken: string): Promise<string> {
    const wrappingTokenHash = createHash('sha256').update(wrappingToken).digest('hex');
    if (this.unwrapped?.wrappingTokenHash === wrappingTokenHash) return this.unwrapped.secretId;
    const secretId = await this.options.client.unwrapSecretId(wrappingToken);
    this.unwrapped = { wrappingTokenHash, secretId };
    this.log.info('vault_secret_id_unwrapped');
    return secretId;
  }

  private readCredential(source: CredentialSource, what: string): string {
    if (source.kind === 'value') return source.value;
    let value: string;
    try {
      value = this.options.files.read(source.path).trim();
    } catch {
      throw new Error(`cannot read ${what} file ${source.path}`);
    }
    if (value === '') throw new Error(`${what} file ${source.path} is empty`);
    return value;
  }
}
