/** Attribute that carries the request ID on the request's spans, so a log line leads to its trace and back. */
export const REQUEST_ID_ATTRIBUTE = 'request.id';
