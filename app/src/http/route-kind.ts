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

/**
 * A request's route options. Fastify's `request.routeOptions` is a getter that builds and freezes a new
 * 12-field object on every read, so a caller that needs two facts reads it once and asks both of the result.
 */
export type RouteOptionsOf = FastifyRequest['routeOptions'];

export function isInternalRoute(options: RouteOptionsOf): boolean {
  return options.config.internal === true;
}

export function routeLabelOf(options: RouteOptionsOf): string {
  return options.url ?? UNMATCHED_ROUTE;
}

export function isInternalRequest(request: FastifyRequest): boolean {
  return isInternalRoute(request.routeOptions);
}

export function routeLabel(request: FastifyRequest): string {
  return routeLabelOf(request.routeOptions);
}

/** Used before routing (by the tracer), where only the raw URL is known. */
export function isInternalPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  const path = url.split('?', 1)[0] ?? url;
  return INTERNAL_PATHS.has(path) || path === '/docs' || path.startsWith('/docs/');
}
