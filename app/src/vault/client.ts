/**
 * A small typed Vault client over fetch. Hand-written because the service needs a handful of endpoints and strict
 * control of timeouts, retries and error text (which must never carry a secret), while the npm Vault clients
 * are untyped or pull in an HTTP stack of their own.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { sleep as realSleep } from './backoff.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface VaultClientOptions {
  /** Base URL such as http://vault.vault.svc:8200 (no trailing /v1). */
  url: string;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Sent as X-Vault-Namespace (Vault Enterprise / HCP). */
  namespace?: string;
  /**
   * PEM CA bundle trusted for Vault's certificate, instead of the system roots. Scoped to this client on
   * purpose: NODE_EXTRA_CA_CERTS would extend trust for every TLS connection of the process, is read only
   * at process start, and a bad file there is a warning, not a config error.
   */
  ca?: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface VaultToken {
  clientToken: string;
  /** Seconds until the token expires; 0 means it never expires (root-like tokens). */
  leaseDurationSeconds: number;
  renewable: boolean;
}

export interface KvSecret {
  data: Record<string, unknown>;
  version: number;
}

/**
 * The body of a login, per auth method: AppRole's role_id and secret_id, or a Kubernetes auth role and the pod's
 * ServiceAccount token (a JWT the Vault server checks with the cluster's TokenReview API).
 */
export type LoginBody = { role_id: string; secret_id: string } | { role: string; jwt: string };

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 200, maxMs: 2000 };

/** Error text is built only from status codes, Vault's error strings and network error codes: never a secret. */
export class VaultError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

type Json = Record<string, unknown>;

export class VaultClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly dispatcher: Agent | undefined;

  constructor(private readonly options: VaultClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.dispatcher = options.ca === undefined ? undefined : new Agent({ connect: { ca: options.ca } });
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * POST /v1/auth/<mount>/login, for every auth method that trades a credential for a token there (AppRole,
   * Kubernetes). The methods differ only in the body; timeouts, retries, headers and error text are this call's.
   */
  async login(mount: string, body: LoginBody): Promise<VaultToken> {
    const response = await this.call('POST', `auth/${mount}/login`, { body: { ...body } });
    return tokenFromAuth(response);
  }

  /** POST /v1/auth/<mount>/login with AppRole's body; a typed shorthand for `login`. */
  loginWithAppRole(roleId: string, secretId: string, mount: string): Promise<VaultToken> {
    return this.login(mount, { role_id: roleId, secret_id: secretId });
  }

  /** GET /v1/auth/token/lookup-self: turns a given token into its TTL and renewability. */
  async lookupSelf(token: string): Promise<VaultToken> {
    const body = await this.call('GET', 'auth/token/lookup-self', { token });
    const data = objectField(body, 'data');
    return {
      clientToken: token,
      leaseDurationSeconds: numberField(data, 'ttl'),
      renewable: data.renewable === true,
    };
  }

  /** POST /v1/auth/token/renew-self */
  async renewSelf(token: string, incrementSeconds?: number): Promise<VaultToken> {
    const body = await this.call('POST', 'auth/token/renew-self', {
      token,
      body: incrementSeconds === undefined ? {} : { increment: `${incrementSeconds}s` },
    });
    return tokenFromAuth(body);
  }

  /** POST /v1/auth/token/revoke-self: a token that outlives its pod is one more credential to steal. */
  async revokeSelf(token: string): Promise<void> {
    await this.call('POST', 'auth/token/revoke-self', { token, body: {} }, { ...this.retry, attempts: 1 });
  }

  /** POST /v1/sys/wrapping/unwrap with the wrapping token itself as X-Vault-Token; returns the wrapped data. */
  async unwrap(wrappingToken: string): Promise<Json> {
    const body = await this.call('POST', 'sys/wrapping/unwrap', { token: wrappingToken, body: {} });
    return objectField(body, 'data');
  }

  async unwrapSecretId(wrappingToken: string): Promise<string> {
    const data = await this.unwrap(wrappingToken);
    if (typeof data.secret_id !== 'string' || data.secret_id === '') {
      throw new VaultError('unwrapped response has no secret_id', undefined, false);
    }
    return data.secret_id;
  }

  /** GET /v1/<mount>/data/<path> (KV version 2) */
  async readKv2(token: string, mountPoint: string, path: string): Promise<KvSecret> {
    const body = await this.call('GET', `${mountPoint}/data/${path}`, { token });
    const outer = objectField(body, 'data');
    const metadata = (outer.metadata ?? {}) as Json;
    return { data: objectField(outer, 'data'), version: typeof metadata.version === 'number' ? metadata.version : 0 };
  }

  private call(method: 'GET' | 'POST', path: string, options: { token?: string; body?: Json }, retry = this.retry): Promise<Json> {
    return withRetry(() => this.once(method, path, options), retry, isRetriable, this.sleep);
  }

  private async once(method: string, path: string, options: { token?: string; body?: Json }): Promise<Json> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined) headers['x-vault-token'] = options.token;
    if (this.options.namespace !== undefined) headers['x-vault-namespace'] = this.options.namespace;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const where = `${method} /v1/${path}`;
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      response = await undiciFetch(`${this.baseUrl}/v1/${path}`, {
        method,
        ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher }),
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new VaultError(`${where}: ${networkReason(error, this.timeoutMs)}`, undefined, true);
    }
    // revoke-self answers 204 with no body.
    const text = await response.text().catch(() => '');
    if (response.ok && text === '') return {};
    if (!response.ok) {
      const retriable = response.status >= 500 || response.status === 429;
      throw new VaultError(`${where}: HTTP ${response.status}${vaultErrors(text)}`, response.status, retriable);
    }
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new VaultError(`${where}: response is not JSON`, response.status, false);
    }
  }
}

function isRetriable(error: unknown): boolean {
  return error instanceof VaultError && error.retriable;
}

function networkReason(error: unknown, timeoutMs: number): string {
  const named = error as { name?: string; cause?: { code?: string; message?: string } };
  if (named.name === 'TimeoutError' || named.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const code = named.cause?.code;
  return `connection failed${code ? ` (${code})` : ''}`;
}

/** Vault answers `{"errors": ["..."]}`; those strings describe the failure and never echo credentials. */
function vaultErrors(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return `: ${parsed.errors.map(String).join('; ').slice(0, 300)}`;
    }
  } catch {
    // Not JSON (for example a proxy's HTML page): the status alone is the message.
  }
  return '';
}

function objectField(body: Json, name: string): Json {
  const value = body[name];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new VaultError(`response has no "${name}" object`, undefined, false);
  }
  return value as Json;
}

function numberField(body: Json, name: string): number {
  const value = body[name];
  if (typeof value !== 'number') throw new VaultError(`response has no numeric "${name}"`, undefined, false);
  return value;
}

function tokenFromAuth(body: Json): VaultToken {
  const auth = objectField(body, 'auth');
  if (typeof auth.client_token !== 'string' || auth.client_token === '') {
    throw new VaultError('response has no auth.client_token', undefined, false);
  }
  return {
    clientToken: auth.client_token,
    leaseDurationSeconds: numberField(auth, 'lease_duration'),
    renewable: auth.renewable === true,
  };
}
