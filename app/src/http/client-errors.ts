import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { UNMATCHED_ROUTE } from './route-kind.js';
import type { ResponseRecord } from './observability.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** Label of requests that Node's HTTP parser rejected before a method could be read. */
export const UNPARSED_METHOD = 'UNPARSED';

const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', message: 'The request headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'The request was not received in time' },
};
const BAD_REQUEST = { status: 400, code: 'bad_request', message: 'The request is not valid HTTP' };

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser rejects (malformed request line or headers,
 * oversized headers, header or request timeout) never become a Fastify request. They still get the common error
 * shape, a request ID, a log line and a count, then the connection is closed as Node itself would.
 */
export function clientErrorHandler(record: (record: ResponseRecord) => void) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    // A reset connection has nobody left to answer, and is not a request.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const mapped = CLIENT_ERRORS[error.code ?? ''] ?? BAD_REQUEST;
    const requestId = randomUUID();
    if (socket.writable) {
      const body = JSON.stringify({ error: mapped.code, message: mapped.message, request_id: requestId });
      socket.write(
        `HTTP/1.1 ${mapped.status} ${STATUS_CODES[mapped.status]}\r\n` +
          `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `${REQUEST_ID_HEADER}: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
    record({ requestId, method: UNPARSED_METHOD, route: UNMATCHED_ROUTE, statusCode: mapped.status, durationMs: 0, internal: false, error: mapped.code });
  };
}
