import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type ErrorBody } from './errors.js';

interface MappedError {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** Framework error codes we answer with a specific status; the Python reference used 422 for bad JSON too. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 422, code: 'malformed_json', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 422, code: 'malformed_json', message: 'Request body is empty but Content-Type is application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'Request body exceeds the size limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Content-Type must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Content-Length does not match the body' },
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

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = mapError(error);
    // An HttpError is an answer chosen on purpose (503 secrets_unavailable while Vault loads, 507 store_full):
    // request_completed already records it, and a stack trace would only suggest a bug.
    if (mapped.status >= 500 && !(error instanceof HttpError)) {
      request.log.error(
        { err: { type: error.name, message: error.message, stack: error.stack }, method: request.method },
        'request_failed',
      );
    }
    return reply.code(mapped.status).headers(mapped.headers).send(errorBody(request, mapped.code, mapped.message));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(request, 'not_found', `Route ${request.method} ${(request.url.split('?', 1)[0] ?? '').slice(0, 200)} not found`)),
  );
}
