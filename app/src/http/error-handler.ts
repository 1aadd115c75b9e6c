import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type ErrorBody } from './errors.js';
import type { MethodIndex } from './method-index.js';
import { recordOf, type ResponseRecord } from './observability.js';

interface MappedError {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** Framework error codes we answer with a specific status; malformed JSON is a 422 like any invalid body. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 422, code: 'malformed_json', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 422, code: 'malformed_json', message: 'Request body is empty but Content-Type is application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'Request body exceeds the size limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Content-Type must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Content-Length does not match the body' },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_request', message: 'The URL is not validly percent-encoded' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', message: 'A path parameter is too long' },
};

/** Pure mapping from any thrown error to the status and the public (stack-free) message. */
export function mapError(error: FastifyError | HttpError | Error): MappedError {
  if (error instanceof HttpError) {
    return { status: error.statusCode, code: error.code, message: error.message, headers: error.headers };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    return { status: 422, code: 'validation_error', message: fastifyError.message, headers: {} };
  }
  const known = fastifyError.code === undefined ? undefined : FRAMEWORK_ERRORS[fastifyError.code];
  if (known !== undefined) return { ...known, headers: {} };
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { ...FRAMEWORK_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY!, headers: {} };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, code: 'bad_request', message: fastifyError.message, headers: {} };
  }
  return { status: 500, code: 'internal_error', message: 'Internal server error', headers: {} };
}

export function errorBody(request: FastifyRequest, code: string, message: string): ErrorBody {
  return { error: code, message, request_id: request.id };
}

export interface ErrorHandlerDeps {
  methods: MethodIndex;
  /** Sets the headers every response carries; framework errors are answered before any hook ran. */
  applyHeaders: (request: FastifyRequest, reply: FastifyReply) => void;
  record: (record: ResponseRecord) => void;
}

/**
 * Logs an unexpected failure with its stack. An HttpError is an answer chosen on purpose (503
 * secrets_unavailable while Vault loads, 507 store_full): request_completed already records it, and a stack
 * trace would only suggest a bug.
 */
function logFailure(request: FastifyRequest, error: Error): void {
  if (error instanceof HttpError) return;
  request.log.error({ err: { type: error.name, message: error.message, stack: error.stack }, method: request.method }, 'request_failed');
}

export function registerErrorHandlers(app: FastifyInstance, deps: ErrorHandlerDeps): void {
  const answerUnrouted = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const allowed = deps.methods.allowed(path);
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(errorBody(request, 'method_not_allowed', `Method ${request.method} is not allowed here; allowed: ${allowed.join(', ')}`));
    }
    return reply.code(404).send(errorBody(request, 'not_found', `Route ${request.method} ${path.slice(0, 200)} not found`));
  };

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // A request that matched no route can still fail body parsing first (a body method with no Content-Type,
    // such as QUERY); what matters to the client is that the route or method does not exist.
    if (request.routeOptions.url === undefined) return answerUnrouted(request, reply);
    const mapped = mapError(error);
    if (mapped.status >= 500) logFailure(request, error);
    return reply.code(mapped.status).headers(mapped.headers).send(errorBody(request, mapped.code, mapped.message));
  });

  app.setNotFoundHandler(answerUnrouted);
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL that is not valid percent-encoding, a
 * path parameter over maxParamLength). Fastify answers these outside the route lifecycle, so no hook runs: the
 * headers, the log line and the metrics are done here.
 */
export function frameworkErrorHandler(deps: Pick<ErrorHandlerDeps, 'applyHeaders' | 'record'>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const mapped = mapError(error);
    if (mapped.status >= 500) logFailure(request, error);
    deps.applyHeaders(request, reply);
    void reply.code(mapped.status).send(errorBody(request, mapped.code, mapped.message));
    deps.record({ ...recordOf(request, reply), error: mapped.code });
  };
}
