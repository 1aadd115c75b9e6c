import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.js';

export type GuardMode = 'open' | 'enforced' | 'waiting_for_secrets';

/**
 * Decides whether a write may proceed. The key can be replaced at run time (Vault rotation), and while a
 * Vault-backed key has not loaded yet, writes get 503 rather than being let through.
 */
export class ApiKeyGuard {
  private keyDigest: Buffer | undefined;

  constructor(
    key: string | undefined,
    private readonly openWhenNoKey: boolean,
  ) {
    this.setKey(key);
  }

  setKey(key: string | undefined): void {
    this.keyDigest = key === undefined ? undefined : digest(key);
  }

  mode(): GuardMode {
    if (this.keyDigest !== undefined) return 'enforced';
    return this.openWhenNoKey ? 'open' : 'waiting_for_secrets';
  }

  /** Throws the HttpError to answer with, or returns when the request may write. */
  authorize(request: FastifyRequest): void {
    const mode = this.mode();
    if (mode === 'open') return;
    if (mode === 'waiting_for_secrets') {
      throw new HttpError(503, 'secrets_unavailable', 'Credentials are not loaded yet; retry shortly', { 'retry-after': '5' });
    }
    const presented = bearerToken(request.headers.authorization);
    // Comparing fixed-length digests keeps the check constant-time whatever the presented length.
    if (presented === undefined || !timingSafeEqual(digest(presented), this.keyDigest as Buffer)) {
      throw new HttpError(401, 'unauthorized', 'A valid "Authorization: Bearer <api_key>" header is required', {
        'www-authenticate': 'Bearer',
      });
    }
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
