import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Keys of the KV v2 secret the service reads (DESIGN §3). */
export const SERVICE_SECRET_KEYS = { apiKey: "api_key", jwtSecret: "jwt_secret", databaseUrl: "database_url" } as const;

/** Random byte counts: at least 32 bytes of entropy each (issue 4). */
export const SECRET_BYTES = { apiKey: 32, jwtSecret: 48 } as const;

/** A random API key (hex of SECRET_BYTES.apiKey bytes), marked secret. */
export function randomApiKey(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  return pulumi.secret(new random.RandomBytes(`${name}-api-key`, { length: SECRET_BYTES.apiKey }, { parent }).hex);
}

/**
 * Generates a service's api_key and jwt_secret and returns the KV document, with database_url when one is
 * configured. The result is marked secret here and not only by the random provider's own outputs: under
 * mocks those are not marked, and the leak test must see what the program itself guarantees.
 */
export function generateServiceSecrets(name: string, databaseUrl: pulumi.Output<string> | undefined, parent: pulumi.Resource): pulumi.Output<string> {
  const jwtSecret = new random.RandomBytes(`${name}-jwt-secret`, { length: SECRET_BYTES.jwtSecret }, { parent });
  const document = pulumi.all([randomApiKey(name, parent), jwtSecret.base64, databaseUrl]).apply(([api, jwt, database]) =>
    JSON.stringify({
      [SERVICE_SECRET_KEYS.apiKey]: api,
      [SERVICE_SECRET_KEYS.jwtSecret]: jwt,
      ...(database ? { [SERVICE_SECRET_KEYS.databaseUrl]: database } : {}),
    }),
  );
  return pulumi.secret(document);
}
