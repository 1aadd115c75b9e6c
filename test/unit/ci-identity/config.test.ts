import * as assert from "node:assert/strict";
import { CiIdentityConfigError, parseCiIdentityConfig } from "../../../ci-identity/config";
import { GITHUB_OIDC_ISSUER } from "../../../ci-identity/names";
import { loadCiIdentityStackFile, runCiIdentity } from "../../../scripts/lib/ciIdentityRun";
import { underMocks } from "../../support/runs";

const VALID = {
  environment: "production",
  github: { repository: "acme/platform", repositoryId: 1234 },
  kvMount: { path: "secret", create: false },
  approleMount: { path: "approle", create: false },
  kubernetesMount: { path: "kubernetes", create: false },
};

function problems(values: Record<string, unknown>): string {
  try {
    parseCiIdentityConfig(values, "production");
  } catch (error) {
    assert.ok(error instanceof CiIdentityConfigError);
    return error.message;
  }
  assert.fail("expected the config to be refused");
}

describe("ci-identity: config", () => {
  it("the committed stack files parse; the issuer defaults to GitHub's", () => {
    for (const stack of ["staging", "production"]) {
      const config = parseCiIdentityConfig(loadCiIdentityStackFile(stack), stack);
      assert.equal(config.environment, stack);
      assert.deepEqual(config.oidc, { discoveryUrl: GITHUB_OIDC_ISSUER, boundIssuer: GITHUB_OIDC_ISSUER });
      assert.equal(config.declareSharedMounts, true);
      assert.equal(config.kvMount.create, stack === "staging");
      assert.equal(config.approleMount.create, stack === "staging");
    }
  });

  it("staging's AppRole mount is created with the lockout moved from the main program; an existing mount takes none", () => {
    assert.deepEqual(parseCiIdentityConfig(loadCiIdentityStackFile("staging"), "staging").approleMount.lockout, { threshold: 20, duration: "5m", counterReset: "5m" });
    assert.equal(parseCiIdentityConfig(loadCiIdentityStackFile("production"), "production").approleMount.lockout, undefined);
    assert.match(problems({ ...VALID, approleMount: { path: "approle", create: true } }), /production-blueprint-ci-identity:approleMount\.lockout: is required where this stack creates the mount/);
    assert.match(
      problems({ ...VALID, approleMount: { path: "approle", create: false, lockout: { threshold: 5, duration: "1m", counterReset: "1m" } } }),
      /production-blueprint-ci-identity:approleMount\.lockout: is applied only to a mount this stack creates/,
    );
    // The main program's lockout schema: its duration check, here too.
    assert.match(problems({ ...VALID, approleMount: { path: "approle", create: true, lockout: { threshold: 5, duration: "5 minutes", counterReset: "5m" } } }), /approleMount\.lockout/);
  });

  it("another environment's mounts are named only on the stack that declares the Vault's shared objects", () => {
    const other = [{ kvPath: "secret-staging", approlePath: "approle-staging", kubernetesPath: "kubernetes-staging" }];
    assert.deepEqual(parseCiIdentityConfig({ ...VALID, otherEnvironmentMounts: other }, "production").otherEnvironmentMounts, other);
    assert.match(problems({ ...VALID, declareSharedMounts: false, otherEnvironmentMounts: other }), /production-blueprint-ci-identity:otherEnvironmentMounts: is set on the stack that declares/);
    assert.match(problems({ ...VALID, otherEnvironmentMounts: [{ kvPath: "se*", approlePath: "approle" }] }), /otherEnvironmentMounts\.0\.kvPath: expected a mount path/);
  });

  it("names the key of each problem, all at once, under the project's prefix", () => {
    const message = problems({ ...VALID, environment: "qa", github: { repository: "acme", repositoryId: "1234" }, kvMount: { path: "se/cret", create: false } });
    assert.match(message, /^Invalid config for stack 'production' of production-blueprint-ci-identity:/);
    assert.match(message, /production-blueprint-ci-identity:environment: Invalid option: expected one of "staging"\|"production"/);
    assert.match(message, /production-blueprint-ci-identity:github\.repository: expected owner\/name/);
    assert.match(message, /production-blueprint-ci-identity:github\.repositoryId: Invalid input: expected number, received string/);
    assert.match(message, /production-blueprint-ci-identity:kvMount\.path: expected a mount path such as secret/);
  });

  it("says which key is missing, and which is misspelt", () => {
    const { approleMount: _approle, ...missing } = VALID;
    assert.match(problems(missing), /production-blueprint-ci-identity:approleMount: is required/);
    assert.match(problems({ ...VALID, github: { repository: "acme/platform" } }), /production-blueprint-ci-identity:github\.repositoryId: is required/);
    assert.match(problems({ ...VALID, kvMounts: VALID.kvMount }), /production-blueprint-ci-identity:<root>: unknown key\(s\) 'kvMounts'/);
  });

  it("refuses a repository or an issuer that would widen a glob-bound claim or skip TLS", () => {
    assert.match(problems({ ...VALID, github: { repository: "acme/*", repositoryId: 1 } }), /github\.repository: expected owner\/name/);
    assert.match(problems({ ...VALID, oidc: { discoveryUrl: "http://issuer.example" } }), /oidc\.discoveryUrl: /);
    assert.match(problems({ ...VALID, oidc: { discoveryCaPem: "not a pem" } }), /oidc\.discoveryCaPem: expected one or more PEM certificates/);
  });

  it("the program refuses bad config before it declares anything", async () => {
    const { environment: _environment, ...withoutEnvironment } = loadCiIdentityStackFile("staging");
    await assert.rejects(
      underMocks(() => runCiIdentity("staging", withoutEnvironment)),
      /production-blueprint-ci-identity:environment: is required/,
    );
  });
});
