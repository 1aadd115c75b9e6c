import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { REQUEST_ID_HEADER } from './request-id.js';
import { apiSecurityHeaders, documentSecurityHeaders } from './security-headers.js';

/**
 * Headers every response carries: the request ID, helmet's security headers with the API policy (computed once),
 * and, once shutdown began, `Connection: close` so clients drop their keep-alive connection and reconnect
 * elsewhere. One function so the per-request hook and the framework-error path (which runs no hooks) set the same
 * set.
 */
export function standardHeaders(isShuttingDown: () => boolean): (request: FastifyRequest, reply: FastifyReply) => void {
  const security = apiSecurityHeaders();
  return (request, reply) => {
    reply.headers(security);
    reply.header(REQUEST_ID_HEADER, request.id);
    if (isShuttingDown()) reply.header('connection', 'close');
  };
}

/**
 * A route-level `onRequest` hook for the /docs page, which runs after the app-wide one: it replaces the API
 * policy with helmet's page policy. Decided per route when the route is added, so API requests pay nothing for it.
 */
export function documentHeaders(): onRequestHookHandler {
  const security = documentSecurityHeaders();
  return (_request, reply, done) => {
    reply.headers(security);
    done();
  };
}
