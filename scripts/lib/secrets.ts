import * as pulumi from "@pulumi/pulumi";
import { SECRET_PLACEHOLDER } from "./stackFile";

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** Keeps a masked value's shape (a map stays a map of placeholders) so the render shows which keys exist. */
function placeholderFor(value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.keys(value).map((key) => [key, SECRET_PLACEHOLDER]));
  }
  return SECRET_PLACEHOLDER;
}

/** Rebuilds `value` with every secret wrapper replaced by what `onSecret` makes of its content. */
function mapSecrets(value: unknown, onSecret: (content: unknown) => unknown): unknown {
  if (isSecretWrapper(value)) return onSecret(value.value);
  if (Array.isArray(value)) return value.map((child) => mapSecrets(child, onSecret));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, mapSecrets(child, onSecret)]));
  }
  return value;
}

/**
 * Replaces every value the program marked secret with a placeholder. Values it did not mark stay as they
 * are — that is what the leak test relies on to catch a secret that lost its marking.
 */
export function maskSecrets(value: unknown): unknown {
  return mapSecrets(value, placeholderFor);
}

/**
 * The opposite of maskSecrets: every secret wrapper replaced by its value. Only for code that must apply the
 * declared inputs to a real, throwaway program (the systems tests), never for anything written to disk.
 */
export function revealSecrets(value: unknown): unknown {
  return mapSecrets(value, revealSecrets);
}

/** Resolves a program's outputs the way `pulumi stack output` shows them: secrets as placeholders. */
export async function resolveOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    if (await pulumi.isSecret(output)) return SECRET_PLACEHOLDER;
    return resolveOutputs(await new Promise((resolve) => output.apply(resolve)));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
  if (typeof value === "object" && value !== null && !pulumi.Resource.isInstance(value)) {
    const entries = await Promise.all(Object.entries(value).map(async ([key, child]) => [key, await resolveOutputs(child)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}
