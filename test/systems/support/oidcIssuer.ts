/**
 * A local OpenID Connect issuer shaped like GitHub Actions' (token.actions.githubusercontent.com): HTTPS on
 * 127.0.0.1 with a certificate from the test CA, a discovery document and a JWKS with one RS256 key, and
 * tokens with GitHub's claims. Vault's JWT auth method discovers it exactly as it discovers GitHub's issuer.
 * The private keys stay in this object: never logged or written to a file.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TestCertificates } from "../../../app/test/support/test-ca";

/** What a workflow run is: the facts GitHub puts into its token. */
export interface GithubRun {
  repository: string;
  repositoryId: number;
  /** The GitHub environment the job runs in, if any. */
  environment?: string;
  ref: string;
  /** The workflow file, e.g. `.github/workflows/deploy.yml`. */
  workflow: string;
  eventName: string;
  audience: string;
}

export interface MintOptions {
  /** Seconds from now; negative for a token that has already expired. Default 300 (GitHub's are valid 5–10 minutes). */
  expiresIn?: number;
  /** Signs with a key the JWKS does not publish (and a key id it does not list). */
  foreignKey?: boolean;
  /** Claims to set or replace after the run's, to make a token that differs from a real one in one claim. */
  overrides?: Record<string, unknown>;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

function rsaKey(): SigningKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid: randomUUID(), privateKey };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export class OidcIssuer {
  private server: Server | undefined;
  private readonly key = rsaKey();
  private readonly foreign = rsaKey();
  private issuerUrl = "";

  constructor(private readonly certs: TestCertificates) {}

  /** The issuer URL (`iss`, discovery URL and bound issuer); set once started. */
  get url(): string {
    if (this.issuerUrl === "") throw new Error("the OIDC issuer has not been started");
    return this.issuerUrl;
  }

  async start(): Promise<void> {
    const jwk = this.key.privateKey.export({ format: "jwk" });
    const publicJwk = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: this.key.kid, alg: "RS256", use: "sig" };
    const server = createServer({ cert: this.certs.serverCertPem, key: this.certs.serverKeyPem }, (request, response) => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.url === "/.well-known/openid-configuration") {
        answer(200, {
          issuer: this.issuerUrl,
          jwks_uri: `${this.issuerUrl}/.well-known/jwks`,
          subject_types_supported: ["public", "pairwise"],
          response_types_supported: ["id_token"],
          claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "repository_id", "repository_owner", "environment", "job_workflow_ref", "workflow_ref", "event_name"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid"],
        });
      } else if (request.url === "/.well-known/jwks") {
        answer(200, { keys: [publicJwk] });
      } else {
        answer(404, { error: "not found" });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.issuerUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A token for `run` with GitHub's claims, signed RS256. */
  mint(run: GithubRun, options: MintOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const owner = run.repository.split("/")[0];
    const workflowRef = `${run.repository}/${run.workflow}@${run.ref}`;
    // GitHub's sub: the environment when the job has one, else the pull request or the ref.
    const context = run.environment ? `environment:${run.environment}` : run.eventName === "pull_request" ? "pull_request" : `ref:${run.ref}`;
    const claims = {
      jti: randomUUID(),
      iss: this.url,
      aud: run.audience,
      sub: `repo:${run.repository}:${context}`,
      repository: run.repository,
      repository_id: String(run.repositoryId),
      repository_owner: owner,
      ...(run.environment ? { environment: run.environment } : {}),
      ref: run.ref,
      job_workflow_ref: workflowRef,
      workflow_ref: workflowRef,
      event_name: run.eventName,
      iat: now - 5,
      nbf: now - 5,
      exp: now + (options.expiresIn ?? 300),
      ...options.overrides,
    };
    const key = options.foreignKey ? this.foreign : this.key;
    const signingInput = `${base64url({ alg: "RS256", typ: "JWT", kid: key.kid })}.${base64url(claims)}`;
    return `${signingInput}.${sign("sha256", Buffer.from(signingInput), key.privateKey).toString("base64url")}`;
  }
}
