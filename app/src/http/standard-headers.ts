import type { FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from './request-id.js';
import { isDocumentRequest } from './route-kind.js';
import { computeSecurityHeaders } from './security-headers.js';

/**
 * Headers every response carries: the request ID, helmet's security headers (computed once; the /docs page gets
 * the page policy, every JSON answer the stricter API one), and, once shutdown began, `Connection: close` so
 * clients drop their keep-alive connection and reconnect elsewhere. One function so the per-request hook and the
 * framework-error path (which runs no hooks) set the same set.
 */
export function standardHeaders(isShuttingDown: () => boolean): (request: FastifyRequest, reply: FastifyReply) => void {
  const security = computeSecurityHeaders();
  return (request, reply) => {
    reply.headers(isDocumentRequest(request) ? security.document : security.api);
    reply.header(REQUEST_ID_HEADER, request.id);
    if (isShuttingDown()) reply.header('connection', 'close');
  };
}
