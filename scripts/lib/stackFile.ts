import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT, type RawStackConfig } from "../../components/stackConfig";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** What the offline render shows instead of a value that is secret in the stack file. */
export const SECRET_PLACEHOLDER = "[secret]";

export function knownStacks(root = PROJECT_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/** Replaces every `secure:` leaf with the placeholder, and says whether there was one. */
function maskSecure(value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(maskSecure);
    return { value: items.map((item) => item.value), secret: items.some((item) => item.secret) };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([key, child]) => [key, maskSecure(child)] as const);
    return { value: Object.fromEntries(entries.map(([key, child]) => [key, child.value])), secret: entries.some(([, child]) => child.secret) };
  }
  return { value, secret: false };
}

/**
 * Reads Pulumi.<stack>.yaml the way the engine would hand it to the program, without decrypting:
 * secure values become visible placeholders, and their keys are marked secret.
 */
export function loadStackFile(stack: string, root = PROJECT_ROOT): RawStackConfig {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`Stack '${stack}' has no config file ${path.basename(file)} (known stacks: ${knownStacks(root).join(", ") || "none"})`);
  }
  let document: unknown;
  try {
    document = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${path.basename(file)} does not parse as YAML: ${(error as Error).message}`, { cause: error });
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new Error(`${path.basename(file)}: 'config' must be a map of '<namespace>:<key>' to values`);
  }
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, raw] of Object.entries(config)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    const masked = maskSecure(raw);
    values[key] = masked.value;
    if (masked.secret) secretKeys.add(key);
  }
  return { values, secretKeys };
}
