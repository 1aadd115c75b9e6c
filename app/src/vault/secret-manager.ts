import { createHash } from 'node:crypto';
import type { CredentialSource, FileAccess, VaultAuthConfig } from '../config/load.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { VaultError, type LoginBody, type VaultClient, type VaultToken } from './client.js';

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
  /** The AppRole auth mount: AppRole logins go to auth/<approleMount>/login. */
  approleMount?: string;
  logger: Logger;
  files: FileAccess;
  onSecrets: (secrets: AppSecrets) => void;
  onLogin?: (result: 'success' | 'failure') => void;
  scheduler?: Scheduler;
  /** Backoff between failed cycles; the loop never gives up, so the pod stays live and keeps trying. */
  retry?: BackoffPolicy;
  /**
   * Backoff after Vault refused the credentials themselves (login 400 or 403). Much slower than `retry`:
   * Vault counts each refused login against the role_id, for every replica together, and locks the role_id
   * out once they reach the mount's lockout threshold (docs/vault.md, "Login lockout").
   */
  deniedRetry?: BackoffPolicy;
  /** While the credentials are refused, how often the mounted credential files are checked for a change. */
  credentialWatchMs?: number;
  /** Re-read interval for tokens that never expire (nothing to renew, but secrets can still rotate). */
  refreshSeconds?: number;
}

type Step = 'login' | 'renew' | 'refresh';

/** The auth methods that log in at auth/<mount>/login; they differ only in the mount and the body. */
type LoginAuthConfig = Extract<VaultAuthConfig, { method: 'approle' | 'kubernetes' }>;

/** Vault's answer when a role_id is locked out: 403 on the login path, before the secret_id is even checked. */
export const LOCKED_OUT_HINT =
  'Vault locks a role_id out after repeated failed logins (the mount\'s user_lockout_config); see docs/vault.md, "Login lockout"';
type Phase = 'login' | 'read';

/** Share of the token TTL after which the token is renewed (or replaced): about 2/3, as in the reference. */
export const RENEW_AT_FRACTION = 2 / 3;

export function parseAppSecrets(data: Record<string, unknown>): AppSecrets {
  const optional = (key: string) => (typeof data[key] === 'string' && data[key] !== '' ? (data[key] as string) : undefined);
  const apiKey = optional('api_key');
  // eslint-disable-next-line security/detect-possible-timing-attacks -- tests whether the key is present, not its value; presented keys are compared in constant time (auth/api-key-guard.ts)
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
  private secretVersion: number | undefined;
  /** Fingerprint of the credentials Vault last refused; a different one is worth a login at once. */
  private refusedCredentials: string | undefined;
  private watch: { cancel(): void } | undefined;
  private readonly scheduler: Scheduler;
  private readonly retry: BackoffPolicy;
  private readonly deniedRetry: BackoffPolicy;
  private readonly log: Logger;

  constructor(private readonly options: SecretManagerOptions) {
    this.scheduler = options.scheduler ?? timerScheduler;
    this.retry = options.retry ?? { baseMs: 1000, maxMs: 30_000 };
    this.deniedRetry = options.deniedRetry ?? { baseMs: 60_000, maxMs: 15 * 60_000 };
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
    this.watch?.cancel();
    await this.revoke();
  }

  /**
   * Revokes the token the service logged in for (AppRole, Kubernetes) at shutdown, so it does not stay valid for
   * up to token_max_ttl after the pod is gone. A token given to the service (token method) belongs to someone
   * else and is left alone. Best effort: one attempt, and a failure only costs the token's natural expiry.
   */
  private async revoke(): Promise<void> {
    const token = this.token;
    if (token === undefined || this.options.auth.method === 'token') return;
    this.token = undefined;
    try {
      await this.options.client.revokeSelf(token.clientToken);
      this.log.info('vault_token_revoked');
    } catch (error) {
      this.log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'vault_token_revoke_failed');
    }
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
      this.noteVersion(secret.version);
      this.loaded = true;
      this.lastFailure = undefined;
      this.failures = 0;
      this.refusedCredentials = undefined;
      this.scheduleAfterSuccess();
    } catch (error) {
      this.failures += 1;
      const reason = error instanceof Error ? error.message : String(error);
      const refused = phase === 'login' && error instanceof VaultError && (error.status === 400 || error.status === 403);
      const lockedOut = refused && error.status === 403 && this.options.auth.method === 'approle';
      this.lastFailure = reason.startsWith('secret_invalid')
        ? reason
        : lockedOut
          ? `login_locked_out: ${reason} (${LOCKED_OUT_HINT})`
          : `${phase}_failed: ${reason}`;
      // A token Vault rejects (expired, revoked) is useless: the retry starts over with a fresh login.
      const tokenRejected = error instanceof VaultError && (error.status === 401 || error.status === 403);
      if (phase === 'login' || tokenRejected) this.token = undefined;
      const delay = backoffDelayMs(this.failures, refused ? this.deniedRetry : this.retry);
      const fields = { phase, reason, attempt: this.failures, retry_in_ms: delay };
      if (lockedOut) this.log.error({ ...fields, hint: LOCKED_OUT_HINT }, 'vault_login_locked_out');
      else this.log.warn(fields, refused ? 'vault_login_refused' : 'vault_cycle_failed');
      this.schedule(this.token === undefined ? 'login' : 'refresh', delay);
      if (refused) this.watchCredentials();
    }
  }

  /** The first load, and every later change of the KV version (someone rotated api_key), is worth a line. */
  private noteVersion(version: number): void {
    if (this.secretVersion === undefined) this.log.info({ secret_version: version }, 'vault_secrets_loaded');
    else if (version !== this.secretVersion) {
      this.log.info({ previous_version: this.secretVersion, secret_version: version }, 'vault_secret_version_changed');
    }
    this.secretVersion = version;
  }

  /**
   * After Vault refused the credentials, waiting out the long backoff would also delay a fix: a rotated
   * Secret reaches the mounted files without a restart. So the files (local reads, no Vault call) are
   * compared with the refused ones, and a change starts a login at once.
   */
  private watchCredentials(): void {
    this.refusedCredentials ??= this.credentialFingerprint();
    this.watch?.cancel();
    const tick = () => {
      this.watch = undefined;
      if (this.stopped || this.refusedCredentials === undefined) return;
      const current = this.credentialFingerprint();
      if (current !== undefined && current !== this.refusedCredentials) {
        this.log.info('vault_credentials_changed_retrying');
        this.refusedCredentials = current;
        this.pending?.cancel();
        this.runStep('login');
        return;
      }
      this.watch = this.scheduler.schedule(tick, this.options.credentialWatchMs ?? 5000);
    };
    this.watch = this.scheduler.schedule(tick, this.options.credentialWatchMs ?? 5000);
  }

  /**
   * A hash of what the next login would send (role_id and secret_id, or the role and the current ServiceAccount
   * token; never the values), or undefined if a file is unreadable. For Kubernetes auth a rotated token file is
   * the change that can turn a refused login (an expired or replaced token) into an accepted one.
   */
  private credentialFingerprint(): string | undefined {
    const auth = this.options.auth;
    try {
      const hash = createHash('sha256');
      if (auth.method === 'approle') {
        hash.update(this.readCredential(auth.roleId, 'role_id')).update('\0').update(this.readCredential(auth.secretId, 'secret_id'));
      } else if (auth.method === 'kubernetes') {
        hash.update(auth.role).update('\0').update(this.readServiceAccountToken(auth.tokenFile));
      } else {
        return undefined;
      }
      return hash.digest('hex');
    } catch {
      return undefined;
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
    const { mount, body } = await this.loginRequest(auth);
    return client.login(mount, body);
  }

  /**
   * The one thing AppRole and Kubernetes logins do not share: where (the mount) and what they send. Everything
   * around the login (renewal, re-login, backoff, refusal handling, readiness, revocation) is the same code.
   */
  private async loginRequest(auth: LoginAuthConfig): Promise<{ mount: string; body: LoginBody }> {
    if (auth.method === 'kubernetes') {
      return { mount: auth.mount, body: { role: auth.role, jwt: this.readServiceAccountToken(auth.tokenFile) } };
    }
    const roleId = this.readCredential(auth.roleId, 'role_id');
    const secretId = auth.secretIdWrapped
      ? await this.unwrapSecretId(this.readCredential(auth.secretId, 'wrapped secret_id'))
      : this.readCredential(auth.secretId, 'secret_id');
    return { mount: this.options.approleMount ?? 'approle', body: { role_id: roleId, secret_id: secretId } };
  }

  /**
   * Read from the file at every use and never kept: the kubelet rewrites a projected token well before it
   * expires (at 80% of its lifetime), so a copy held in memory would be the one that expires.
   */
  private readServiceAccountToken(path: string): string {
    return this.readCredential({ kind: 'file', path }, 'ServiceAccount token');
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
