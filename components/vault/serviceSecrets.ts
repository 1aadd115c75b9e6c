import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * Keys of the KV v2 secret the service reads. Only api_key: the service verifies no JWTs and has no database,
 * so a generated jwt_secret or a delivered database_url would be a credential kept for nothing.
 */
const SERVICE_SECRET_KEYS = { apiKey: "api_key" } as const;

/** Random byte count: at least 32 bytes of entropy. */
const SECRET_BYTES = { apiKey: 32 } as const;

/** A random API key (hex of SECRET_BYTES.apiKey bytes), marked secret. */
export function randomApiKey(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  return pulumi.secret(new random.RandomBytes(`${name}-api-key`, { length: SECRET_BYTES.apiKey }, { parent }).hex);
}

/**
 * Generates a service's api_key and returns the KV document. The result is marked secret here and not only
 * by the random provider's own outputs: under mocks those are not marked, and the leak test must see what the
 * program itself guarantees.
 */
export function generateServiceSecrets(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  return pulumi.secret(randomApiKey(name, parent).apply((api) => JSON.stringify({ [SERVICE_SECRET_KEYS.apiKey]: api })));
}
