/** The one error shape every non-2xx response uses. */
export interface ErrorBody {
  error: string;
  message: string;
  request_id: string;
}

export const errorBodySchema = {
  type: 'object',
  required: ['error', 'message', 'request_id'],
  properties: {
    error: { type: 'string', description: 'Stable machine-readable code, e.g. not_found' },
    message: { type: 'string', description: 'Human-readable explanation' },
    request_id: { type: 'string', description: 'Echo of the X-Request-ID header' },
  },
} as const;

/** An error a handler throws on purpose; the error handler turns it into ErrorBody with this status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
