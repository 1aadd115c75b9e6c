import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Probes, /metrics and /docs are "internal": not counted as API traffic, logged at debug, never shed. */
    internal?: boolean;
  }
}

/** Label used for requests that matched no route, so raw URLs never become metric labels. */
export const UNMATCHED_ROUTE = 'unmatched';

export const INTERNAL_PATHS = new Set(['/health', '/ready', '/metrics']);

export function isInternalRequest(request: FastifyRequest): boolean {
  return request.routeOptions.config.internal === true;
}

export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/** Used before routing (by the tracer), where only the raw URL is known. */
export function isInternalPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  const path = url.split('?', 1)[0] ?? url;
  return INTERNAL_PATHS.has(path) || path === '/docs' || path.startsWith('/docs/');
}
