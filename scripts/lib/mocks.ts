import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/** A resource as the program declared it: its type token, name, parent and inputs. */
export interface DeclaredResource {
  type: string;
  name: string;
  parent?: string;
  provider?: string;
  inputs: Record<string, unknown>;
}

/**
 * Values the mocked providers generate for secret outputs (passwords, keys, secret_ids). Each is unique
 * and recognisable, so the leak test can search every output and manifest for them.
 */
export class GeneratedSecrets {
  readonly values: string[] = [];

  make(type: string, name: string, field: string): string {
    const value = `mock-${field}-${createHash("sha256").update(`${type}/${name}/${field}`).digest("hex").slice(0, 24)}`;
    this.values.push(value);
    return value;
  }
}

// Secret outputs the real providers compute, by type token. Everything else echoes its inputs.
const SECRET_OUTPUTS: Record<string, string[]> = {
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
  "random:index/randomBytes:RandomBytes": ["hex", "base64"],
  "random:index/randomString:RandomString": ["result"],
  "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
  "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId": ["secretId", "accessor"],
  // Vault generates the role_id; it is half of the AppRole login, so it is treated as a secret too.
  "vault:appRole/authBackendRole:AuthBackendRole": ["roleId"],
};

// Non-secret computed outputs that downstream inputs read.
function computedOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "random:index/randomId:RandomId": {
      // The same bytes in both encodings, as the provider returns them (b64Url: URL-safe, no padding).
      const bytes = createHash("sha256").update(name).digest().subarray(0, Number(inputs.byteLength ?? 16));
      return { hex: bytes.toString("hex"), b64Url: bytes.toString("base64url") };
    }
    case "random:index/randomUuid:RandomUuid":
      return { result: "00000000-0000-4000-8000-000000000000" };
    case "tls:index/privateKey:PrivateKey":
      return { publicKeyPem: `mock-public-key-${name}` };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nmock-${name}\n-----END CERTIFICATE REQUEST-----` };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----` };
    case "docker:index/image:Image":
      return { repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@sha256:${"0".repeat(64)}` };
    default:
      return {};
  }
}

export function blueprintMocks(resources: DeclaredResource[], secrets: GeneratedSecrets): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      resources.push({ type: args.type, name: args.name, ...(args.provider ? { provider: args.provider } : {}), inputs: args.inputs });
      const state: Record<string, unknown> = { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs) };
      for (const field of SECRET_OUTPUTS[args.type] ?? []) state[field] = secrets.make(args.type, args.name, field);
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      return args.inputs;
    },
  };
}
