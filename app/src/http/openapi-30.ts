/**
 * The route schemas are JSON Schema draft 7 (what Ajv validates), where exclusiveMinimum/exclusiveMaximum are
 * numbers. OpenAPI 3.0 schemas take the older form: a `minimum` plus a boolean `exclusiveMinimum`. This rewrites
 * the generated document into that form; @fastify/swagger converts `nullable` but not these two keywords.
 */
const EXCLUSIVE_BOUNDS = [
  ['exclusiveMinimum', 'minimum'],
  ['exclusiveMaximum', 'maximum'],
] as const;

export function toOpenApi30Bounds<T>(node: T): T {
  if (Array.isArray(node)) return node.map((entry: unknown) => toOpenApi30Bounds(entry)) as T;
  if (node === null || typeof node !== 'object') return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) result[key] = toOpenApi30Bounds(value);
  for (const [exclusive, inclusive] of EXCLUSIVE_BOUNDS) {
    const bound = result[exclusive];
    if (typeof bound === 'number') {
      result[inclusive] = bound;
      result[exclusive] = true;
    }
  }
  return result as T;
}
