/**
 * An in-process HTTP server that speaks the subset of the Vault API the service uses, with Vault's status codes
 * and response shapes: AppRole login, token lookup/renewal (capped at max TTL), response unwrapping (single use)
 * and KV v2 reads, token self-revocation, the AppRole mount's user lockout, and Kubernetes auth logins (the
 * ServiceAccount token checked against a list the test keeps, where real Vault asks the cluster's TokenReview API). Faults can be injected. It has its own clock (`advanceClock`) so TTL behaviour is tested
 * without waiting.
 *
 * Reusable by any test: `const vault = await startVaultTestServer(); ... await vault.close();`
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface AppRoleDefinition {
  roleId: string;
  secretId: string;
  /** Seconds; Vault's token_ttl. */
  tokenTtl: number;
  /** Seconds; Vault's token_max_ttl. */
  tokenMaxTtl: number;
  /** KV paths ("<mount>/<path>") the issued tokens may read; omitted means any. */
  allowedPaths?: string[];
}

export interface KubernetesRoleDefinition {
  /** The Vault role name sent as `role`. */
  name: string;
  /** Seconds; Vault's token_ttl. */
  tokenTtl: number;
  /** Seconds; Vault's token_max_ttl. */
  tokenMaxTtl: number;
  allowedPaths?: string[];
}

/** A login on the Kubernetes auth mount, with the body as sent (test tokens only, so recording the JWT is fine). */
export interface KubernetesLogin {
  role: unknown;
  jwt: unknown;
  status: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Whether an X-Vault-Token header was sent (its value is never recorded). */
  hadToken: boolean;
  /** The X-Vault-Namespace header, if any. */
  namespace: string | undefined;
  status: number;
}

export interface VaultTestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  addAppRole(role: AppRoleDefinition): void;
  addKubernetesRole(role: KubernetesRoleDefinition): void;
  /**
   * Makes a ServiceAccount token valid for Kubernetes logins (what TokenReview would confirm); `valid: false`
   * makes it invalid again (expired or the pod gone).
   */
  setServiceAccountToken(jwt: string, valid: boolean): void;
  /** Every login on the Kubernetes auth mount, in order. */
  kubernetesLogins: KubernetesLogin[];
  /** Registers a plain token (for VAULT_AUTH_METHOD=token); ttl 0 means it never expires. */
  addToken(token: string, options: { ttl: number; maxTtl: number; renewable: boolean; allowedPaths?: string[] }): void;
  /** Stores KV v2 data at <mount>/<path>, bumping its version. */
  putSecret(mount: string, path: string, data: Record<string, unknown>): void;
  /** Returns a single-use wrapping token whose unwrap yields `data`. */
  wrap(data: Record<string, unknown>, ttlSeconds?: number): string;
  /** The next `count` requests get `status` with a Vault error body. */
  failNext(count: number, status?: number): void;
  /** When false, every connection is reset without a response (a crashed or unreachable Vault). */
  setReachable(reachable: boolean): void;
  /** Moves the server's clock forward; tokens expire and renewals cap accordingly. */
  advanceClock(seconds: number): void;
  /** Revokes every token issued so far (as `vault token revoke` would). */
  revokeAllTokens(): void;
  /** Tokens issued and not revoked (expired ones included). */
  liveTokenCount(): number;
  /** Unlocks a locked-out role_id, as `vault write -f sys/locked-users/<accessor>/unlock/<role_id>` does. */
  unlock(roleId: string): void;
  countRequests(method: string, path: string): number;
  close(): Promise<void>;
}

interface TokenState {
  ttl: number;
  maxTtl: number;
  renewable: boolean;
  issuedAt: number;
  expiresAt: number;
  allowedPaths: string[] | undefined;
}

export interface VaultTestServerOptions {
  port?: number;
  /** The AppRole auth mount; logins on any other path get Vault's 400 for an unknown route. */
  approleMount?: string;
  /**
   * The mount's user_lockout_config, as real Vault applies it: after `threshold` refused logins for one
   * role_id, every login with that role_id (valid secret_id or not) gets 403 until it is unlocked.
   * Vault's default is 5; omitted here means no lockout.
   */
  lockoutThreshold?: number;
  /** The Kubernetes auth mount; defaults to "kubernetes". */
  kubernetesMount?: string;
  /** Serve HTTPS with this key and certificate (as a cluster's Vault does, with a private CA). */
  tls?: { key: string; cert: string };
}

export async function startVaultTestServer(options: VaultTestServerOptions = {}): Promise<VaultTestServer> {
  let clock = 0;
  let reachable = true;
  const injectedFailures: number[] = [];
  const roles = new Map<string, AppRoleDefinition>();
  const tokens = new Map<string, TokenState>();
  const wrapped = new Map<string, { data: Record<string, unknown>; expiresAt: number }>();
  const secrets = new Map<string, { data: Record<string, unknown>; version: number }>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const refusedLogins = new Map<string, number>();
  const loginPath = `/v1/auth/${options.approleMount ?? 'approle'}/login`;
  const kubernetesLoginPath = `/v1/auth/${options.kubernetesMount ?? 'kubernetes'}/login`;
  const kubernetesRoles = new Map<string, KubernetesRoleDefinition>();
  const serviceAccountTokens = new Set<string>();
  const kubernetesLogins: KubernetesLogin[] = [];

  const issueToken = (state: Omit<TokenState, 'issuedAt' | 'expiresAt'>): { token: string; lease: number } => {
    const token = `hvs.test-${randomUUID()}`;
    tokens.set(token, { ...state, issuedAt: clock, expiresAt: state.ttl === 0 ? Infinity : clock + state.ttl });
    return { token, lease: state.ttl };
  };

  const liveToken = (request: IncomingMessage): [string, TokenState] | undefined => {
    const token = request.headers['x-vault-token'];
    if (typeof token !== 'string') return undefined;
    const state = tokens.get(token);
    if (state === undefined || state.expiresAt <= clock) return undefined;
    return [token, state];
  };

  const handle = async (request: IncomingMessage, body: Record<string, unknown>): Promise<[number, unknown]> => {
    const path = (request.url ?? '').split('?', 1)[0] ?? '';
    const method = request.method ?? 'GET';
    const denied: [number, unknown] = [403, { errors: ['permission denied'] }];

    if (method === 'POST' && path === loginPath) {
      const roleId = String(body.role_id);
      const threshold = options.lockoutThreshold;
      if (threshold !== undefined && (refusedLogins.get(roleId) ?? 0) >= threshold) return denied;
      const role = roles.get(roleId);
      if (role === undefined || role.secretId !== body.secret_id) {
        refusedLogins.set(roleId, (refusedLogins.get(roleId) ?? 0) + 1);
        return [400, { errors: ['invalid role or secret ID'] }];
      }
      refusedLogins.delete(roleId);
      const { token, lease } = issueToken({ ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl, renewable: true, allowedPaths: role.allowedPaths });
      return [200, { auth: { client_token: token, accessor: randomUUID(), policies: ['default'], lease_duration: lease, renewable: true } }];
    }
    if (method === 'POST' && path === kubernetesLoginPath) {
      // Vault's Kubernetes auth answers: 400 for a missing or unknown role, 403 when the token does not pass review.
      const answer = ((): [number, unknown] => {
        if (typeof body.role !== 'string' || body.role === '') return [400, { errors: ['missing role'] }];
        if (typeof body.jwt !== 'string' || body.jwt === '') return [400, { errors: ['missing jwt'] }];
        const role = kubernetesRoles.get(body.role);
        if (role === undefined) return [400, { errors: [`invalid role name "${body.role}"`] }];
        if (!serviceAccountTokens.has(body.jwt)) return denied;
        const { token, lease } = issueToken({ ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl, renewable: true, allowedPaths: role.allowedPaths });
        return [200, { auth: { client_token: token, accessor: randomUUID(), policies: ['default'], lease_duration: lease, renewable: true } }];
      })();
      kubernetesLogins.push({ role: body.role, jwt: body.jwt, status: answer[0] });
      return answer;
    }
    if (method === 'GET' && path === '/v1/auth/token/lookup-self') {
      const live = liveToken(request);
      if (live === undefined) return denied;
      const [, state] = live;
      const ttl = state.expiresAt === Infinity ? 0 : state.expiresAt - clock;
      return [200, { data: { ttl, renewable: state.renewable, policies: ['default'] } }];
    }
    if (method === 'POST' && path === '/v1/auth/token/renew-self') {
      const live = liveToken(request);
      if (live === undefined) return denied;
      const [token, state] = live;
      if (!state.renewable) return [400, { errors: ['lease is not renewable'] }];
      const remainingMax = state.issuedAt + state.maxTtl - clock;
      const lease = Math.max(0, Math.min(state.ttl, remainingMax));
      state.expiresAt = clock + lease;
      tokens.set(token, state);
      const warnings = lease < state.ttl ? ['TTL of "1h" exceeded the effective max_ttl; TTL value is capped accordingly'] : null;
      return [200, { warnings, auth: { client_token: token, lease_duration: lease, renewable: true } }];
    }
    if (method === 'POST' && path === '/v1/auth/token/revoke-self') {
      const live = liveToken(request);
      if (live === undefined) return denied;
      tokens.delete(live[0]);
      return [204, undefined];
    }
    if (method === 'POST' && path === '/v1/sys/wrapping/unwrap') {
      const wrappingToken = request.headers['x-vault-token'];
      const entry = typeof wrappingToken === 'string' ? wrapped.get(wrappingToken) : undefined;
      if (entry === undefined || entry.expiresAt <= clock) return [400, { errors: ['wrapping token is not valid or does not exist'] }];
      wrapped.delete(wrappingToken as string);
      return [200, { data: entry.data }];
    }
    const kv = /^\/v1\/(.+)\/data\/(.+)$/.exec(path);
    if (method === 'GET' && kv !== null) {
      const live = liveToken(request);
      const key = `${kv[1]}/${kv[2]}`;
      if (live === undefined || (live[1].allowedPaths !== undefined && !live[1].allowedPaths.includes(key))) return denied;
      const secret = secrets.get(key);
      if (secret === undefined) return [404, { errors: [] }];
      return [200, { data: { data: secret.data, metadata: { version: secret.version, created_time: new Date().toISOString() } } }];
    }
    return [404, { errors: [`no handler for route "${path}"`] }];
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    if (!reachable) {
      request.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        } catch {
          body = {};
        }
        const injected = injectedFailures.shift();
        const [status, payload] = injected !== undefined ? [injected, { errors: ['internal error'] }] : await handle(request, body);
        requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          hadToken: typeof request.headers['x-vault-token'] === 'string',
          namespace: typeof request.headers['x-vault-namespace'] === 'string' ? request.headers['x-vault-namespace'] : undefined,
          status,
        });
        if (status === 204) {
          response.writeHead(204).end();
          return;
        }
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      })();
    });
  };
  const server = options.tls === undefined ? createServer(listener) : createTlsServer(options.tls, listener);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    requests,
    addAppRole: (role) => roles.set(role.roleId, role),
    addKubernetesRole: (role) => kubernetesRoles.set(role.name, role),
    setServiceAccountToken: (jwt, valid) => void (valid ? serviceAccountTokens.add(jwt) : serviceAccountTokens.delete(jwt)),
    kubernetesLogins,
    addToken: (token, tokenOptions) =>
      tokens.set(token, {
        ttl: tokenOptions.ttl,
        maxTtl: tokenOptions.maxTtl,
        renewable: tokenOptions.renewable,
        allowedPaths: tokenOptions.allowedPaths,
        issuedAt: clock,
        expiresAt: tokenOptions.ttl === 0 ? Infinity : clock + tokenOptions.ttl,
      }),
    putSecret: (mount, path, data) => {
      const key = `${mount}/${path}`;
      secrets.set(key, { data, version: (secrets.get(key)?.version ?? 0) + 1 });
    },
    wrap: (data, ttlSeconds = 300) => {
      const token = `hvs.wrap-${randomUUID()}`;
      wrapped.set(token, { data, expiresAt: clock + ttlSeconds });
      return token;
    },
    failNext: (count, status = 500) => {
      for (let index = 0; index < count; index += 1) injectedFailures.push(status);
    },
    setReachable: (value) => {
      reachable = value;
    },
    advanceClock: (seconds) => {
      clock += seconds;
    },
    revokeAllTokens: () => tokens.clear(),
    liveTokenCount: () => tokens.size,
    unlock: (roleId) => refusedLogins.delete(roleId),
    countRequests: (method, path) => requests.filter((entry) => entry.method === method && entry.path === path).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
