import { credentialSignal } from "./credentialPatterns";
import type { KubernetesObject } from "./kubernetes";
import { PULUMI_SECRET_MARKER } from "./secretMarker";

interface LiteralValue {
  path: string;
  key: string;
  text: string;
  binary: boolean;
}

/** A value the program marked secret, or one not known yet (preview): neither is a literal in the code. */
function isLiteral(value: unknown): value is string {
  return typeof value === "string" && value !== PULUMI_SECRET_MARKER;
}

function entriesOf(field: unknown): [string, unknown][] {
  return typeof field === "object" && field !== null ? Object.entries(field) : [];
}

/** stringData as written; data decoded from base64, where binary content (keystores, DER keys) is flagged as such. */
function literalValues(secret: KubernetesObject): LiteralValue[] {
  const plain = entriesOf(secret.stringData)
    .filter((entry): entry is [string, string] => isLiteral(entry[1]))
    .map(([key, text]) => ({ path: `stringData.${key}`, key, text, binary: false }));
  const encoded = entriesOf(secret.data)
    .filter((entry): entry is [string, string] => isLiteral(entry[1]))
    .map(([key, value]) => {
      const text = Buffer.from(value, "base64").toString("utf8");
      // eslint-disable-next-line no-control-regex -- control characters are exactly what marks binary content.
      return { path: `data.${key}`, key, text, binary: /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text) };
    });
  return [...plain, ...encoded];
}

/**
 * A Secret holds no literal value that looks like a credential. Values the program marked secret (random
 * passwords, Vault secret_ids) reach this check as the secret marker and pass; a literal written in code
 * or plain config lands in Git and in plaintext state, and fails here.
 */
export function literalCredentials(object: KubernetesObject): string[] {
  if (object.kind !== "Secret") return [];
  return literalValues(object).flatMap(({ path, key, text, binary }) => {
    const signal = binary ? "is binary key material" : credentialSignal(key, text);
    return signal ? [`${path} holds a literal that ${signal}; generate it (@pulumi/random) or read it from Vault or a secret config value`] : [];
  });
}
