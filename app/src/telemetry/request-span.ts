import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';

/** Attribute that carries the request ID on the request's spans, so a log line leads to its trace and back. */
export const REQUEST_ID_ATTRIBUTE = 'request.id';

/**
 * The HTTP instrumentation creates the server span before Fastify assigns the request ID, so the span is parked
 * here (keyed by the raw request, collected with it) until the ID is known.
 */
const serverSpans = new WeakMap<IncomingMessage, Span>();

export function rememberServerSpan(request: IncomingMessage, span: Span): void {
  serverSpans.set(request, span);
}

export function tagServerSpanWithRequestId(request: IncomingMessage, requestId: string): void {
  serverSpans.get(request)?.setAttribute(REQUEST_ID_ATTRIBUTE, requestId);
}
