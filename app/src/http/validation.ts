import Ajv from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const ajvOptions = { allErrors: true, useDefaults: true, strict: false } as const;

// Query strings and path params are text on the wire, so numbers there must be coerced; JSON bodies are typed
// already, and coercing them would accept `"price": "12"` or `"name": 123` that the reference rejects.
const textPartsAjv = new Ajv({ ...ajvOptions, coerceTypes: 'array', removeAdditional: true });
const bodyAjv = new Ajv({ ...ajvOptions, coerceTypes: false, removeAdditional: false });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textPartsAjv).compile(schema);
