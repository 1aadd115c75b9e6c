import * as proxyModule from "@pulumi/policy/proxy";
import type { KubernetesObject } from "./kubernetes";
import { PULUMI_SECRET_MARKER } from "./secretMarker";

/**
 * Turns what the policy SDK hands a policy into the plain Kubernetes object data the policies read, so
 * the pack and the mocha tests run the same functions on the same shape. Pure: no PolicyPack here.
 */

// The SDK wraps resource inputs in a proxy that throws UnknownValueError on a value only the update will
// know (a built image's digest, a generated password on first create). Its typings mark these internal.
interface SdkProxy {
  UnknownValueError: new (...args: never[]) => Error & { unknownTypeSentinel: unknown };
  unknownArrayValue: unknown;
}
const sdkProxy = proxyModule as unknown as SdkProxy;

/**
 * Stands in for a value that is unknown during preview. It is not a string and not null, so presence
 * checks pass and value checks (image tags, credentials) skip it; `pulumi up` runs the same policies again
 * with the real values before each resource is created. An unknown list reads as empty for the same reason.
 */
export const UNKNOWN_VALUE: Readonly<Record<string, never>> = Object.freeze({});

function read(target: Record<PropertyKey, unknown>, key: PropertyKey): unknown {
  try {
    return target[key];
  } catch (error) {
    if (!(error instanceof sdkProxy.UnknownValueError)) throw error;
    return error.unknownTypeSentinel === sdkProxy.unknownArrayValue ? [] : UNKNOWN_VALUE;
  }
}

/** A deep plain copy of SDK property data, with unknown values replaced as described above. */
export function toPlainData(value: unknown): unknown {
  if (value === null || typeof value !== "object" || value === UNKNOWN_VALUE) return value;
  const source = value as Record<PropertyKey, unknown>;
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, index) => toPlainData(read(source, index)));
  return Object.fromEntries(Object.keys(source).map((key) => [key, toPlainData(read(source, key))]));
}

export interface SdkResource {
  type: string;
  /** The Pulumi resource name: stands in for metadata.name when the program let Pulumi auto-name the object. */
  name: string;
  props: Record<string, unknown>;
}

/** The Kubernetes object a resource declares, or undefined for anything else (providers, Vault, random, components). */
export function kubernetesObjectOf(resource: SdkResource): KubernetesObject | undefined {
  if (!resource.type.startsWith("kubernetes:")) return undefined;
  const plain = toPlainData(resource.props) as Record<string, unknown>;
  if (typeof plain.kind !== "string") return undefined;
  const metadata = (plain.metadata ?? {}) as KubernetesObject["metadata"];
  return { ...plain, kind: plain.kind, apiVersion: String(plain.apiVersion), metadata: { ...metadata, name: typeof metadata.name === "string" ? metadata.name : resource.name } };
}

export interface SdkStackResource extends SdkResource {
  urn: string;
  /** Which resources each top-level property was computed from (the engine's property dependencies). */
  propertyDependencies: Record<string, readonly unknown[]>;
}

/**
 * The policy SDK unwraps secrets into plaintext, so by the time a policy runs a generated password and
 * a literal one look alike. What tells them apart is provenance: Secret data computed from another
 * resource (random, Vault, TLS) was never written in the code, so it is shown as the secret marker.
 * The engine records dependencies per top-level property, so one computed value in stringData marks the
 * whole Secret; docs/policy.md states that limit.
 */
export function withComputedSecretDataMarked(object: KubernetesObject, propertyDependencies: SdkStackResource["propertyDependencies"]): KubernetesObject {
  if (object.kind !== "Secret") return object;
  const computed = ["stringData", "data"].some((field) => (propertyDependencies[field] ?? []).length > 0);
  if (!computed) return object;
  const mark = (field: unknown) =>
    typeof field === "object" && field !== null ? Object.fromEntries(Object.keys(field).map((key) => [key, PULUMI_SECRET_MARKER])) : field;
  return { ...object, ...(object.stringData ? { stringData: mark(object.stringData) } : {}), ...(object.data ? { data: mark(object.data) } : {}) };
}

/** Every Kubernetes object of a stack with the URN to report against. */
export function kubernetesObjectsOfStack(resources: readonly SdkStackResource[]): { object: KubernetesObject; urn: string }[] {
  return resources.flatMap((resource) => {
    const object = kubernetesObjectOf(resource);
    return object ? [{ object: withComputedSecretDataMarked(object, resource.propertyDependencies), urn: resource.urn }] : [];
  });
}

/**
 * The stack's environment: the `<project>:environment` config key when set, else the stack name (the
 * program's own rule, components/stackConfig.ts). The engine passes both to the pack's process.
 */
export function environmentFrom(env: Record<string, string | undefined>): string {
  const project = env.PULUMI_PROJECT ?? env.PULUMI_NODEJS_PROJECT;
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(env.PULUMI_CONFIG ?? "{}") as Record<string, unknown>;
  } catch {
    throw new Error("PULUMI_CONFIG is not valid JSON: the policy pack cannot tell the stack's environment");
  }
  const configured = project ? config[`${project}:environment`] : undefined;
  return typeof configured === "string" ? configured : (env.PULUMI_STACK ?? env.PULUMI_NODEJS_STACK ?? "unknown");
}
