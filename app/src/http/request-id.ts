import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** An incoming ID is trusted only when it cannot inject anything into logs, headers or trace attributes. */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
}

export function resolveRequestId(incoming: string | string[] | undefined): string {
  return isSafeRequestId(incoming) ? incoming : randomUUID();
}
