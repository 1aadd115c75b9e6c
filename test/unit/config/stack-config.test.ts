import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../../components/stackConfig";
import { loadStackFile, SECRET_PLACEHOLDER } from "../../../scripts/lib/stackFile";
import { edited, problemsOf } from "../../support/stackEdits";


describe("stack config (components/stackConfig.ts)", () => {
  for (const stack of ["local", "staging", "production"]) {
    it(`accepts the committed ${stack} stack file and takes the environment from the stack name`, () => {
      const config = parseConfig(loadStackFile(stack), stack);
      assert.equal(config.environment, stack);
      assert.ok(Object.keys(config.services).includes("items-api"));
    });
  }

  it("names the key, the stack and what is expected when a required key is missing", () => {
    const message = problemsOf(edited("staging", (v) => delete v.services["items-api"].replicas), "staging");
    assert.match(message, /Invalid config for stack 'staging'/);
    assert.match(message, /production-blueprint:services\.items-api\.replicas: is required \(Invalid input: expected object/);
  });

  it("names the key and the expected type when a value has the wrong type", () => {
    const message = problemsOf(edited("production", (v) => (v.services["items-api"].port = "8000")), "production");
    assert.match(message, /stack 'production'/);
    assert.match(message, /production-blueprint:services\.items-api\.port: Invalid input: expected number, received string/);
  });

  it("rejects a misspelt key instead of silently ignoring it", () => {
    const message = problemsOf(edited("staging", (v) => (v.services["items-api"].replica = { min: 2, max: 3 })), "staging");
    assert.match(message, /production-blueprint:services\.items-api: unknown key\(s\) 'replica' \(check the spelling\)/);
  });

  it("rejects a resource request larger than its limit, naming both values", () => {
    const message = problemsOf(edited("staging", (v) => (v.services["items-api"].resources.requests.memory = "1Gi")), "staging");
    assert.match(message, /services\.items-api\.resources\.requests\.memory: request 1Gi is larger than the limit 256Mi/);
  });

  it("rejects a malformed Kubernetes quantity", () => {
    const message = problemsOf(edited("staging", (v) => (v.services["items-api"].resources.limits.cpu = "half")), "staging");
    assert.match(message, /resources\.limits\.cpu: expected a Kubernetes quantity/);
  });

  it("rejects an image tagged latest and an unpinned image", () => {
    const latest = problemsOf(edited("staging", (v) => (v.services["items-api"].image.ref = "ghcr.io/x/items-api:latest")), "staging");
    assert.match(latest, /image\.ref: the tag 'latest' is not allowed/);
    const unpinned = problemsOf(edited("staging", (v) => (v.services["items-api"].image.ref = "ghcr.io/x/items-api")), "staging");
    assert.match(unpinned, /image\.ref: the image must be pinned with a tag or a digest/);
  });

  it("accepts repo:tag@sha256:<64 hex> (production's committed ref) and refuses a malformed digest, saying what a digest is", () => {
    const ref = loadStackFile("production").values.services as Record<string, { image: { ref: string } }>;
    assert.match(ref["items-api"].image.ref, /^ghcr\.io\/production-blueprint\/items-api:0\.1\.0@sha256:[a-f0-9]{64}$/);
    assert.doesNotThrow(() => parseConfig(loadStackFile("production"), "production"));
    for (const digest of ["sha256:abc", `sha256:${"A".repeat(64)}`, `sha512:${"a".repeat(64)}`, `sha256:${"a".repeat(65)}`]) {
      const message = problemsOf(edited("production", (v) => (v.services["items-api"].image.ref = `ghcr.io/x/items-api:1.0.0@${digest}`)), "production");
      assert.match(message, /image\.ref: the digest must be @sha256: and 64 lowercase hex digits, e\.g\. from `docker buildx imagetools inspect <ref>`/, digest);
    }
  });

  it("rejects HPA bounds where min exceeds max, and fewer than 2 replicas in production", () => {
    const inverted = problemsOf(edited("staging", (v) => (v.services["items-api"].replicas = { min: 5, max: 3 })), "staging");
    assert.match(inverted, /replicas\.min: min 5 is larger than max 3/);
    const single = problemsOf(edited("production", (v) => (v.services["items-api"].replicas = { min: 1, max: 3 })), "production");
    assert.match(single, /replicas\.min: production needs at least 2 replicas, got 1/);
  });

  it("refuses the API docs switch on in production", () => {
    const message = problemsOf(edited("production", (v) => (v.services["items-api"].docs = true)), "production");
    assert.match(message, /services\.items-api\.docs: the API docs stay off in production/);
  });

  it("rejects a service name that is not a DNS label", () => {
    const message = problemsOf(edited("staging", (v) => (v.services.Items_API = v.services["items-api"])), "staging");
    assert.match(message, /production-blueprint:services\.Items_API: expected a DNS label/);
  });

  it("reports every problem at once, one line each", () => {
    const message = problemsOf(
      edited("staging", (v) => {
        v.services["items-api"].port = 80;
        v.services["items-api"].logLevel = "loud";
      }),
      "staging",
    );
    assert.match(message, /services\.items-api\.port: Too small: expected number to be >=1024/);
    assert.match(message, /services\.items-api\.logLevel: Invalid option/);
    assert.equal(message.split("\n").filter((line) => line.startsWith("  - ")).length, 2);
  });

  it("requires an explicit environment for a stack with a non-standard name", () => {
    const message = problemsOf(loadStackFile("staging"), "dev-alice");
    assert.match(message, /production-blueprint:environment: is required for stack 'dev-alice' \(expected one of local, staging, production\)/);
    const config = parseConfig(edited("staging", (v) => (v.environment = "staging")), "dev-alice");
    assert.equal(config.environment, "staging");
  });

  it("refuses credentials stored in plaintext config", () => {
    const message = problemsOf(edited("staging", (v) => (v.vaultToken = "hvs.plaintext")), "staging");
    assert.match(message, /production-blueprint:vaultToken: holds a credential and must be set with 'pulumi config set --secret vaultToken …'/);
  });

  it("reads credentials set with --secret as Pulumi secrets", async () => {
    const config = parseConfig(edited("staging", (v) => (v.vaultToken = "hvs.from-secret-config"), ["vaultToken"]), "staging");
    assert.ok(config.secrets.vaultToken);
    assert.equal(await pulumi.isSecret(config.secrets.vaultToken), true);
  });

  it("refuses databaseUrls, which the service never used, and says why", () => {
    const message = problemsOf(edited("staging", (v) => (v.databaseUrls = { "items-api": "postgres://db/items" }), ["databaseUrls"]), "staging");
    assert.match(message, /production-blueprint:databaseUrls: is no longer supported: the service has no database/);
  });

  it("keeps the local stack off clusters and the other stacks off the render directory", () => {
    const local = problemsOf(edited("local", (v) => delete v.kubernetes), "local");
    assert.match(local, /kubernetes\.renderYamlToDirectory: is required for the local stack/);
    const staging = problemsOf(edited("staging", (v) => (v.kubernetes = { renderYamlToDirectory: "out" })), "staging");
    assert.match(staging, /only the local stack renders to a directory/);
  });

  for (const [namespace, why] of [
    ["kube-system", "a Kubernetes system namespace"],
    ["kube-public", "a Kubernetes system namespace"],
    ["kube-node-lease", "a Kubernetes system namespace"],
    ["default", "a Kubernetes system namespace"],
    ["observability", "the platform's observability namespace"],
    ["log-agent", "the platform's log agent namespace"],
    ["ingress-nginx", "the ingress controller's namespace"],
    ["vault", "Vault's namespace"],
  ]) {
    it(`refuses a service in ${namespace}, naming the service, the key and why`, () => {
      const message = problemsOf(edited("staging", (v) => (v.services["items-api"].namespace = namespace)), "staging");
      assert.match(message, new RegExp(`services\\.items-api\\.namespace: '${namespace}' is ${why.replace(/[()]/g, "\\$&")}`));
    });
  }

  it("accepts a service in a namespace of its own or in the shared apps namespace", () => {
    for (const namespace of ["orders", "apps"]) parseConfig(edited("staging", (v) => (v.services["items-api"].namespace = namespace)), "staging");
  });

  it("names a caller in allowFrom that is not a declared service", () => {
    const message = problemsOf(edited("staging", (v) => (v.services["items-api"].allowFrom = ["billing"])), "staging");
    assert.match(message, /services\.items-api\.allowFrom: 'billing' is not a declared service/);
  });
});

describe("stack files (scripts/lib/stackFile.ts)", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names the missing stack and lists the known ones", () => {
    assert.throws(() => loadStackFile("nope"), /Stack 'nope' has no config file Pulumi\.nope\.yaml \(known stacks: local, production, staging\)/);
  });

  it("says which file does not parse", () => {
    fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  a: [unclosed\n");
    assert.throws(() => loadStackFile("broken", dir), /Pulumi\.broken\.yaml does not parse as YAML/);
  });

  it("shows secure values as a placeholder and marks their key secret, without decrypting", () => {
    fs.writeFileSync(
      path.join(dir, "Pulumi.s.yaml"),
      "config:\n  production-blueprint:databaseUrls:\n    items-api:\n      secure: v1:abcdef\n  other:key: 1\n",
    );
    const raw = loadStackFile("s", dir);
    assert.deepEqual(raw.values, { databaseUrls: { "items-api": SECRET_PLACEHOLDER } });
    assert.deepEqual([...raw.secretKeys], ["databaseUrls"]);
  });
});
