import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";

/**
 * Keys of the KV v2 secret the service reads. Only api_key: the service verifies no JWTs and has no database,
 * so a generated jwt_secret or a delivered database_url would be a credential kept for nothing.
 */
const SERVICE_SECRET_KEYS = { apiKey: "api_key" } as const;

/** Random byte count: at least 32 bytes of entropy. */
const SECRET_BYTES = { apiKey: 32 } as const;

/** A random API key (hex of SECRET_BYTES.apiKey bytes), marked secret. */
export function randomApiKey(name: string, parent: pulumi.Resource, previousParent?: pulumi.Input<string>): pulumi.Output<string> {
  const aliases = previousParent === undefined ? {} : { aliases: [{ parent: previousParent }] };
  return pulumi.secret(new random.RandomBytes(`${name}-api-key`, { length: SECRET_BYTES.apiKey }, { parent, ...aliases }).hex);
}

/**
 * Generates a service's api_key and returns the KV document. The result is marked secret here and not only
 * by the random provider's own outputs: under mocks those are not marked, and the leak test must see what the
 * program itself guarantees.
 */
export function generateServiceSecrets(name: string, parent: pulumi.Resource, previousParent?: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(randomApiKey(name, parent, previousParent).apply((api) => JSON.stringify({ [SERVICE_SECRET_KEYS.apiKey]: api })));
}

/**
 * The service's KV v2 secret, generated here. disableRead: neither a refresh nor a preview reads the values
 * back, so the deploy identity needs no read on KV at all and the preview identity none on Vault but its
 * state key (docs/ci-identity.md). Drift in Vault is overwritten by the next change, never read.
 *
 * `previousParent` is the component that held the secret before (a service that moved from AppRole to
 * Kubernetes auth): the aliases keep the same secret and api_key rather than generating new ones.
 */
export function declareServiceSecret(
  name: string,
  args: { kvMountPath: pulumi.Input<string>; secretPath: string },
  parent: pulumi.Resource,
  previousParent?: pulumi.Input<string>,
): vault.kv.SecretV2 {
  const aliases = previousParent === undefined ? {} : { aliases: [{ parent: previousParent }] };
  return new vault.kv.SecretV2(
    `${name}-secret`,
    { mount: args.kvMountPath, name: args.secretPath, dataJson: generateServiceSecrets(name, parent, previousParent), deleteAllVersions: true, disableRead: true },
    { parent, ...aliases },
  );
}
