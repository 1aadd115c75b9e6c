/**
 * Kubernetes OpenAPI v2 (api/openapi-spec/swagger.json) → kubeconform's schema layout: one stand-alone,
 * strict JSON schema per kind and version, named `<kind><kindSuffix>.json` (deployment-apps-v1.json,
 * service-v1.json), the layout of the schemas kubeconform downloads by default.
 *
 * Hand-written (in the spirit of openapi2jsonschema, which is Python and not on PyPI in a usable release)
 * because the transformation is small and we want it pinned with the project:
 * - every $ref is inlined ("stand-alone"); a recursive reference (only JSONSchemaProps, inside CRDs) is
 *   cut to an empty schema, which accepts anything;
 * - every object schema with `properties` gets `additionalProperties: false` ("strict"): a misspelt or
 *   misplaced field is an error, which is the point of running kubeconform at all;
 * - IntOrString accepts a string or an integer, Quantity a string or a number (YAML writes `cpu: 1` as a
 *   number; the API server accepts both);
 * - `apiVersion` and `kind` are restricted to the one group/version/kind the file is for.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface OpenApiSpec {
  definitions: Record<string, JsonObject>;
}

export interface SchemaFile {
  fileName: string;
  schema: JsonObject;
}

const REF_PREFIX = "#/definitions/";

const SPECIAL_DEFINITIONS: Record<string, JsonObject> = {
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { oneOf: [{ type: "string" }, { type: "integer" }] },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { oneOf: [{ type: "string" }, { type: "number" }] },
};

export function apiVersionOf(gvk: GroupVersionKind): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

/** kubeconform's file name for a kind: the kind, the first label of the group, the version (registry.go). */
export function schemaFileName(gvk: GroupVersionKind): string {
  const groupLabel = gvk.group ? `-${gvk.group.split(".")[0]}` : "";
  return `${gvk.kind}${groupLabel}-${gvk.version}.json`.toLowerCase();
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function groupVersionKinds(definition: JsonObject): GroupVersionKind[] {
  const list = definition["x-kubernetes-group-version-kind"];
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((entry) => ({ group: String(entry.group ?? ""), version: String(entry.version), kind: String(entry.kind) }));
}

/** Inlines references and applies the strict rule, without ever following a reference into itself. */
function expand(node: Json, spec: OpenApiSpec, resolving: readonly string[]): Json {
  if (Array.isArray(node)) return node.map((item) => expand(item, spec, resolving));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === "string") {
    if (!ref.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${ref}: only ${REF_PREFIX}… references are expected in a Kubernetes spec`);
    const name = ref.slice(REF_PREFIX.length);
    const special = SPECIAL_DEFINITIONS[name];
    if (special) return { ...special };
    if (resolving.includes(name)) return {};
    const target = spec.definitions[name];
    if (!target) throw new Error(`$ref ${ref} names no definition in the spec`);
    const { $ref: _ref, ...siblings } = node;
    return { ...siblings, ...(expand(target, spec, [...resolving, name]) as JsonObject) };
  }
  const expanded: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps field names to schemas: a field literally called "$ref" must not be read as a reference.
    expanded[key] = key === "properties" && isObject(value)
      ? Object.fromEntries(Object.entries(value).map(([field, schema]) => [field, expand(schema, spec, resolving)]))
      : expand(value, spec, resolving);
  }
  if (isObject(expanded.properties) && !("additionalProperties" in expanded)) expanded.additionalProperties = false;
  return expanded;
}

function pinIdentity(schema: JsonObject, gvk: GroupVersionKind): JsonObject {
  const properties = isObject(schema.properties) ? schema.properties : {};
  return {
    ...schema,
    properties: {
      ...properties,
      apiVersion: { ...(isObject(properties.apiVersion) ? properties.apiVersion : {}), type: "string", enum: [apiVersionOf(gvk)] },
      kind: { ...(isObject(properties.kind) ? properties.kind : {}), type: "string", enum: [gvk.kind] },
    },
  };
}

/** Every kind-version schema of the spec, stand-alone and strict, named as kubeconform looks them up. */
export function kubeconformSchemas(spec: OpenApiSpec): SchemaFile[] {
  if (!isObject(spec.definitions as unknown as Json)) throw new Error("not a Kubernetes OpenAPI v2 spec: it has no `definitions`");
  const files = new Map<string, SchemaFile>();
  for (const [name, definition] of Object.entries(spec.definitions)) {
    const gvks = groupVersionKinds(definition);
    if (gvks.length === 0) continue;
    const expanded = expand(definition, spec, [name]) as JsonObject;
    for (const gvk of gvks) {
      const fileName = schemaFileName(gvk);
      // Watch and delete options are listed under every group; the first definition of a name wins.
      if (!files.has(fileName)) files.set(fileName, { fileName, schema: { $schema: "http://json-schema.org/schema#", ...pinIdentity(expanded, gvk) } });
    }
  }
  if (files.size === 0) throw new Error("the spec defines no kinds (no x-kubernetes-group-version-kind): is it the Kubernetes swagger.json?");
  return [...files.values()].sort((a, b) => a.fileName.localeCompare(b.fileName));
}
