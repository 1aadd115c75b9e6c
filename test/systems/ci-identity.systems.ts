/**
 * The CI identity program (ci-identity/) on a real Vault with real JWT auth: a local issuer shaped like
 * GitHub Actions' mints the tokens, Vault discovers it over TLS from the test CA, and both stacks' declared
 * objects (staging and production, on one Vault) decide who logs in and what each token may do. Then the
 * main program's own renders are applied with the deploy tokens, not root, to prove each deploy policy is
 * enough for what the program declares, and a service's token from that render reads its own secret through
 * the templated services' policy, and no other.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeTestCertificates, type TestCertificates } from "../../app/test/support/test-ca";
import {
  CI_WORKFLOWS,
  type CiEnvironment,
  type CiJob,
  JWT_AUTH_MOUNT,
  MAIN_BRANCH_REF,
  STATE_TRANSIT_MOUNT,
  ciAudience,
  ciPolicyName,
  ciRoleName,
  githubEnvironment,
  stateTransitKey,
} from "../../ci-identity/names";
import { CI_TOKEN_TTL_SECONDS } from "../../ci-identity/jwtRoles";
import { SERVICE_POLICY_NAME } from "../../components/vault/names";
import { type CiIdentityRun, loadCiIdentityStackFile, runCiIdentity } from "../../scripts/lib/ciIdentityRun";
import { runBlueprint } from "../../scripts/lib/mockRun";
import type { DeclaredResource } from "../../scripts/lib/mocks";
import { loadStackFile } from "../../scripts/lib/stackFile";
import { type GithubRun, type MintOptions, OidcIssuer } from "./support/oidcIssuer";
import { freePort, Processes } from "./support/processes";
import { VERSIONS } from "./support/programs";
import { expectOk, type VaultAnswer, VaultServer } from "./support/vault";
import { applyDeclaredVault, applyVaultResources } from "./support/vaultApplier";
import { edited, withAppRole, withClientReviewer } from "../support/stackEdits";

type Any = Record<string, any>;

/**
 * Production's platform mounts are the operators' (made here by hand, found by its stack); staging's stack
 * creates its own, at paths of their own on the Vault the two share. Staging's stack declares the Vault's
 * shared objects, so its services' policy covers production's mounts too.
 */
const PRODUCTION_MOUNTS = { kv: "secret", approle: "approle", kubernetes: "kubernetes" };
const STAGING_MOUNTS = {
  kvMount: { path: "secret-staging", create: true },
  approleMount: { path: "approle-staging", create: true, lockout: { threshold: 20, duration: "5m", counterReset: "5m" } },
  kubernetesMount: { path: "kubernetes-staging", create: true },
  otherEnvironmentMounts: [{ kvPath: PRODUCTION_MOUNTS.kv, approlePath: PRODUCTION_MOUNTS.approle, kubernetesPath: PRODUCTION_MOUNTS.kubernetes }],
};
const PULL_REQUEST_REF = "refs/pull/1/merge";

/**
 * The renders' Kubernetes auth config as for a Vault outside the cluster (this one): no API server runs
 * here, and Vault contacts none until a login, so any host and CA do.
 */
const OUTSIDE_CLUSTER = { host: "https://127.0.0.1:6443", caCert: makeTestCertificates("kubernetes").caCertPem, audience: "https://kubernetes.default.svc.cluster.local" };

/** Vault's error strings, one a line. */
const errorsOf = (answer: VaultAnswer) => ((answer.body.errors ?? []) as string[]).join("\n");

/**
 * An answer for a failure message: its status, Vault's errors and, for a success, what kind of answer it
 * was. Never the body itself, which may hold a token or a secret's value.
 */
function described(answer: VaultAnswer): string {
  const auth = answer.body.auth as Any | undefined;
  const what = auth ? `a ${String(auth.token_type)} token with policies ${JSON.stringify(auth.policies)}` : `fields ${JSON.stringify(Object.keys((answer.body.data as Any | null) ?? {}))}`;
  return `HTTP ${answer.status}: ${errorsOf(answer) || what}`;
}

describe(`CI identity (ci-identity/) on Vault ${VERSIONS.VAULT_VERSION} with JWT auth from a local GitHub-shaped issuer`, function () {
  this.timeout(600_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-ci-identity-"));
  let certs: TestCertificates;
  let issuer: OidcIssuer;
  let vault: VaultServer;
  const stacks = {} as Record<CiEnvironment, CiIdentityRun>;

  /** What deploy.yml on main in `environment` looks like to GitHub's issuer. */
  const run = (environment: CiEnvironment, job: CiJob, changes: Partial<GithubRun> = {}): GithubRun => ({
    repository: stacks[environment].config.github.repository,
    repositoryId: stacks[environment].config.github.repositoryId,
    environment: githubEnvironment(environment, job),
    ref: job === "deploy" ? MAIN_BRANCH_REF : PULL_REQUEST_REF,
    workflow: job === "deploy" ? CI_WORKFLOWS.deploy[0] : CI_WORKFLOWS.preview[0],
    eventName: job === "deploy" ? "workflow_run" : "pull_request",
    audience: ciAudience(environment, job),
    ...changes,
  });
  const login = (role: string, githubRun: GithubRun, options: MintOptions = {}) =>
    vault.api("POST", `auth/${JWT_AUTH_MOUNT}/login`, { role, jwt: issuer.mint(githubRun, options) });
  const tokenFor = async (environment: CiEnvironment, job: CiJob) => expectOk(await login(ciRoleName(environment, job), run(environment, job)), `${job} login`).body.auth.client_token as string;
  /** A refusal: 400 or 403, with Vault's own message. */
  const assertRefused = (answer: VaultAnswer, message: RegExp) => {
    assert.ok(answer.status === 400 || answer.status === 403, `expected a refusal, got ${described(answer)}`);
    assert.match(errorsOf(answer), message);
  };
  const assertDenied = (answer: VaultAnswer) => {
    assert.equal(answer.status, 403, `expected 403, got ${described(answer)}`);
    assert.match(errorsOf(answer), /\* permission denied\n|^permission denied$/);
  };
  const withMounts = (values: Any, mounts: Any) => ({ ...values, ...mounts, oidc: { discoveryUrl: issuer.url, discoveryCaPem: certs.caCertPem } });

  before(async () => {
    certs = makeTestCertificates("vault.test");
    issuer = new OidcIssuer(certs);
    await issuer.start();
    vault = new VaultServer(processes, dir, certs, await freePort());
  });
  after(async () => {
    await processes.stopAll();
    await issuer.stop();
  });

  it("applies both stacks' declared objects to one Vault, whose names do not collide", async () => {
    stacks.staging = await runCiIdentity("staging", withMounts(loadCiIdentityStackFile("staging"), STAGING_MOUNTS));
    // One Vault for both: the JWT and transit mounts are staging's, production declares only its own objects.
    stacks.production = await runCiIdentity("production", { ...withMounts(loadCiIdentityStackFile("production"), {}), declareSharedMounts: false });
    const names = (resources: DeclaredResource[]) =>
      resources.filter((resource) => resource.type.startsWith("vault:")).map((resource) => `${resource.type} ${String(resource.inputs.path ?? resource.inputs.roleName ?? resource.inputs.name)}`);
    const staging = names(stacks.staging.resources);
    const production = names(stacks.production.resources);
    // Production on a shared Vault: its two policies, two roles and state key; the services' policy is staging's.
    assert.equal(production.length, 5);
    assert.ok(staging.includes(`vault:index/policy:Policy ${SERVICE_POLICY_NAME}`));
    assert.deepEqual(staging.filter((name) => production.includes(name)), []);
    assert.equal(new Set([...staging, ...production]).size, staging.length + production.length);

    await vault.start();
    // What production's operators own: the main program's mounts, and another team's secret beside the blueprint's.
    expectOk(await vault.admin("POST", `sys/mounts/${PRODUCTION_MOUNTS.kv}`, { type: "kv", options: { version: "2" } }), "production KV mount");
    expectOk(await vault.admin("POST", `sys/auth/${PRODUCTION_MOUNTS.approle}`, { type: "approle" }), "production AppRole mount");
    expectOk(await vault.admin("POST", `sys/auth/${PRODUCTION_MOUNTS.kubernetes}`, { type: "kubernetes" }), "production Kubernetes auth mount");
    expectOk(await vault.admin("POST", `${PRODUCTION_MOUNTS.kv}/data/payments/db`, { data: { password: "p".repeat(32) } }), "another team's secret");
    await applyVaultResources(vault, stacks.staging.resources);
    await applyVaultResources(vault, stacks.production.resources);
    const role = expectOk(await vault.admin("GET", `auth/${JWT_AUTH_MOUNT}/role/${ciRoleName("production", "deploy")}`), "read role").body.data;
    assert.equal(role.token_type, "batch");
    assert.deepEqual(role.bound_claims.ref, [MAIN_BRANCH_REF]);
    assert.deepEqual(role.token_policies, [ciPolicyName("production", "deploy")]);
  });

  it("staging's stack created the platform's KV v2 and AppRole mounts with the lockout; the services' policy names both environments' real accessors", async () => {
    const mounts = expectOk(await vault.admin("GET", "sys/mounts"), "mounts").body.data as Any;
    assert.equal(mounts[`${STAGING_MOUNTS.kvMount.path}/`].type, "kv");
    assert.equal(mounts[`${STAGING_MOUNTS.kvMount.path}/`].options.version, "2");
    const auths = expectOk(await vault.admin("GET", "sys/auth"), "auth mounts").body.data as Any;
    assert.equal(auths[`${STAGING_MOUNTS.approleMount.path}/`].type, "approle");
    const tune = expectOk(await vault.admin("GET", `sys/auth/${STAGING_MOUNTS.approleMount.path}/tune`), "tune").body.data as Any;
    // Vault writes the lockout as user_lockout_config but reads it back as flat user_lockout_* fields.
    assert.deepEqual(
      [tune.user_lockout_threshold, tune.user_lockout_duration, tune.user_lockout_counter_reset_duration, tune.user_lockout_disable],
      [20, 300, 300, false],
      `the tune's lockout: ${JSON.stringify(Object.fromEntries(Object.entries(tune).filter(([key]) => key.startsWith("user_lockout"))))}`,
    );
    const policy = expectOk(await vault.admin("GET", `sys/policies/acl/${SERVICE_POLICY_NAME}`), "services' policy").body.data.policy as string;
    assert.equal(auths[`${STAGING_MOUNTS.kubernetesMount.path}/`].type, "kubernetes");
    const environments = [
      [STAGING_MOUNTS.kvMount.path, STAGING_MOUNTS.approleMount.path, STAGING_MOUNTS.kubernetesMount.path],
      [PRODUCTION_MOUNTS.kv, PRODUCTION_MOUNTS.approle, PRODUCTION_MOUNTS.kubernetes],
    ];
    for (const [kv, approle, kubernetes] of environments) {
      assert.ok(policy.includes(`path "${kv}/data/{{identity.entity.aliases.${auths[`${approle}/`].accessor as string}.metadata.role_name}}"`), `${kv} on ${approle}'s accessor`);
      assert.ok(policy.includes(`path "${kv}/data/blueprint-{{identity.entity.aliases.${auths[`${kubernetes}/`].accessor as string}.metadata.service_account_name}}"`), `${kv} on ${kubernetes}'s accessor`);
    }
    assert.doesNotMatch(policy, /auth_(approle|kubernetes)_0000/);
  });

  it("deploy.yml on main in environment production logs in to the production deploy role: a batch token with exactly its policy", async () => {
    const answer = expectOk(await login(ciRoleName("production", "deploy"), run("production", "deploy")), "login").body.auth;
    assert.equal(answer.token_type, "batch");
    assert.deepEqual(answer.policies, [ciPolicyName("production", "deploy")]);
    assert.deepEqual(answer.token_policies, [ciPolicyName("production", "deploy")]);
    assert.equal(answer.renewable, false);
    assert.equal(answer.lease_duration, CI_TOKEN_TTL_SECONDS.deploy);
  });

  it("rollback.yml on main logs in to the deploy role", async () => {
    const answer = await login(ciRoleName("production", "deploy"), run("production", "deploy", { workflow: CI_WORKFLOWS.deploy[1], eventName: "workflow_dispatch" }));
    assert.equal(expectOk(answer, "rollback login").body.auth.token_type, "batch");
  });

  describe("the production deploy role refuses", () => {
    const role = () => ciRoleName("production", "deploy");
    const cases: [string, () => Promise<VaultAnswer>, RegExp][] = [
      ["deploy.yml from a feature branch", () => login(role(), run("production", "deploy", { ref: "refs/heads/feature" })), /claim "(ref|job_workflow_ref)" does not match/],
      ["a feature branch's ref alone (job_workflow_ref as on main)", () => login(role(), run("production", "deploy"), { overrides: { ref: "refs/heads/feature" } }), /claim "ref" does not match/],
      ["another workflow file (ci.yml) on main", () => login(role(), run("production", "deploy", { workflow: ".github/workflows/ci.yml", eventName: "push" })), /claim "job_workflow_ref" does not match/],
      ["a pull request (refs/pull/1/merge, pull_request)", () => login(role(), run("production", "deploy", { ref: PULL_REQUEST_REF, eventName: "pull_request" })), /claim "(ref|job_workflow_ref)" does not match/],
      ["another environment (staging's job with production's audience)", () => login(role(), run("production", "deploy", { environment: "staging" })), /claim "environment" does not match/],
      ["another role's audience (production's preview)", () => login(role(), run("production", "deploy", { audience: ciAudience("production", "preview") })), /invalid audience \(aud\) claim: audience claim does not match any expected audience/],
      ["another repository_id", () => login(role(), run("production", "deploy", { repositoryId: 42 })), /claim "repository_id" does not match/],
      ["an expired token", () => login(role(), run("production", "deploy"), { expiresIn: -900 }), /invalid expiration time \(exp\) claim: token is expired/],
      ["a token signed by a key not in the JWKS", () => login(role(), run("production", "deploy"), { foreignKey: true }), /failed to verify id token signature/],
    ];
    for (const [what, attempt, message] of cases) it(what, async () => assertRefused(await attempt(), message));

    it("staging's deploy role refuses production's claims, even with staging's audience", async () => {
      assertRefused(await login(ciRoleName("staging", "deploy"), run("production", "deploy")), /invalid audience \(aud\) claim/);
      assertRefused(await login(ciRoleName("staging", "deploy"), run("production", "deploy", { audience: ciAudience("staging", "deploy") })), /claim "environment" does not match/);
    });
  });

  it("preview.yml on a pull request's merge ref in production-preview logs in to the production preview role, not to the deploy role", async () => {
    const preview = run("production", "preview");
    const answer = expectOk(await login(ciRoleName("production", "preview"), preview), "preview login").body.auth;
    assert.equal(answer.token_type, "batch");
    assert.deepEqual(answer.policies, [ciPolicyName("production", "preview")]);
    assert.equal(answer.lease_duration, CI_TOKEN_TTL_SECONDS.preview);
    assertRefused(await login(ciRoleName("production", "deploy"), preview), /invalid audience \(aud\) claim/);
    assertRefused(await login(ciRoleName("production", "deploy"), { ...preview, audience: ciAudience("production", "deploy") }), /claim "(environment|ref|job_workflow_ref)" does not match/);
  });

  describe("the production deploy token", () => {
    let token: string;
    const as = (method: string, apiPath: string, body?: unknown) => vault.api(method, apiPath, body, token);
    before(async () => {
      token = await tokenFor("production", "deploy");
    });

    it("looks itself up (the provider's first call) and carries no default policy", async () => {
      const self = expectOk(await as("GET", "auth/token/lookup-self"), "lookup-self").body.data;
      assert.deepEqual(self.policies, [ciPolicyName("production", "deploy")]);
      assert.equal(self.type, "batch");
    });

    it("cannot write any ACL policy: not its own, not the services', not a blueprint- one", async () => {
      for (const name of ["evil", ciPolicyName("production", "deploy"), SERVICE_POLICY_NAME, "blueprint-wide"]) {
        assertDenied(await as("PUT", `sys/policies/acl/${name}`, { policy: 'path "*" { capabilities = ["read"] }' }));
      }
      assertDenied(await as("DELETE", `sys/policies/acl/${SERVICE_POLICY_NAME}`));
    });

    it("cannot mount a secrets engine, enable an auth method, nor tune the platform's", async () => {
      assertDenied(await as("POST", "sys/mounts/x", { type: "kv" }));
      assertDenied(await as("POST", "sys/auth/x", { type: "approle" }));
      assertDenied(await as("POST", `sys/auth/${PRODUCTION_MOUNTS.approle}/tune`, { user_lockout_config: { lockout_disable: true } }));
      assertDenied(await as("DELETE", `sys/mounts/${PRODUCTION_MOUNTS.kv}`));
    });

    it("cannot create a child token (it is a batch token)", async () => {
      assertDenied(await as("POST", "auth/token/create", {}));
    });

    it("cannot read another team's KV secret nor the blueprint's", async () => {
      assertDenied(await as("GET", `${PRODUCTION_MOUNTS.kv}/data/payments/db`));
      expectOk(await as("POST", `${PRODUCTION_MOUNTS.kv}/data/blueprint-x`, { data: { api_key: "k".repeat(32) } }), "write own secret");
      assertDenied(await as("GET", `${PRODUCTION_MOUNTS.kv}/data/blueprint-x`));
      assertDenied(await as("POST", `${PRODUCTION_MOUNTS.kv}/data/payments/db`, { data: { password: "overwritten" } }));
      expectOk(await as("DELETE", `${PRODUCTION_MOUNTS.kv}/metadata/blueprint-x`), "delete all versions");
    });

    it("cannot create a role with any policy but exactly blueprint-services, nor a periodic one, in any spelling", async () => {
      const attempts: Any[] = [
        { token_policies: [ciPolicyName("production", "deploy")] },
        { token_policies: ["root"] },
        { token_policies: ["blueprint-wide"] },
        { token_policies: [SERVICE_POLICY_NAME, "root"] },
        { token_policies: `${SERVICE_POLICY_NAME},root` },
        { token_policies: `${SERVICE_POLICY_NAME},${ciPolicyName("production", "deploy")}` },
        { policies: ["root"] },
        { policies: [SERVICE_POLICY_NAME] },
        { token_policies: [SERVICE_POLICY_NAME], token_period: 3600 },
        { token_policies: [SERVICE_POLICY_NAME], token_period: "1h" },
        { token_policies: [SERVICE_POLICY_NAME], period: 3600 },
      ];
      for (const body of attempts) {
        const answer = await as("POST", `auth/${PRODUCTION_MOUNTS.approle}/role/blueprint-y`, body);
        assert.equal(answer.status, 403, `${JSON.stringify(body)}: ${described(answer)}`);
      }
      assertDenied(await as("POST", `auth/${PRODUCTION_MOUNTS.approle}/role/team-role`, { token_policies: [SERVICE_POLICY_NAME] }));
      assert.equal((await vault.admin("GET", `auth/${PRODUCTION_MOUNTS.approle}/role/blueprint-y`)).status, 404);
    });

    // The escalation this design closes: a deployer that could write a blueprint- policy could bind it to a
    // role of its own and log in as that role. Now the only policy a role may carry reads the secret named
    // after the role, which the deploy token can write anyway (docs/ci-identity.md, "What a deploy token can reach").
    it("a role it creates carries blueprint-services, and that role's token reads its own blueprint- secret and nothing else", async () => {
      const roleName = "blueprint-probe";
      const own = { api_key: "o".repeat(32) };
      expectOk(await as("POST", `${PRODUCTION_MOUNTS.kv}/data/${roleName}`, { data: own }), "the role's secret");
      expectOk(await vault.admin("POST", `${PRODUCTION_MOUNTS.kv}/data/blueprint-neighbour`, { data: { api_key: "n".repeat(32) } }), "another service's secret");
      expectOk(await as("POST", `auth/${PRODUCTION_MOUNTS.approle}/role/${roleName}`, { token_policies: [SERVICE_POLICY_NAME], token_no_default_policy: true, token_type: "service" }), "role");
      let probe = "";
      try {
        const roleId = expectOk(await as("GET", `auth/${PRODUCTION_MOUNTS.approle}/role/${roleName}/role-id`), "role-id").body.data.role_id as string;
        const secretId = expectOk(await as("POST", `auth/${PRODUCTION_MOUNTS.approle}/role/${roleName}/secret-id`, {}), "secret-id").body.data.secret_id as string;
        const login = expectOk(await vault.api("POST", `auth/${PRODUCTION_MOUNTS.approle}/login`, { role_id: roleId, secret_id: secretId }), "login").body.auth;
        probe = login.client_token as string;
        assert.deepEqual(login.policies, [SERVICE_POLICY_NAME]);
        const read = expectOk(await vault.api("GET", `${PRODUCTION_MOUNTS.kv}/data/${roleName}`, undefined, probe), "read own secret").body.data.data;
        assert.deepEqual(read, own);
        for (const denied of [
          `${PRODUCTION_MOUNTS.kv}/data/payments/db`,
          `${PRODUCTION_MOUNTS.kv}/data/blueprint-neighbour`,
          `${STAGING_MOUNTS.kvMount.path}/data/${roleName}`,
          `sys/policies/acl/${SERVICE_POLICY_NAME}`,
          `sys/policies/acl/${ciPolicyName("production", "deploy")}`,
          "sys/mounts",
          "sys/auth",
        ]) {
          const answer = await vault.api("GET", denied, undefined, probe);
          assert.equal(answer.status, 403, `${denied}: ${described(answer)}`);
        }
        assertDenied(await vault.api("PUT", "sys/policies/acl/blueprint-wide", { policy: 'path "*" { capabilities = ["read"] }' }, probe));
      } finally {
        if (probe !== "") await vault.api("POST", "auth/token/revoke-self", {}, probe);
        expectOk(await vault.admin("DELETE", `auth/${PRODUCTION_MOUNTS.approle}/role/${roleName}`), "clean up role");
      }
    });

    it("encrypts and decrypts with production's state key, and gets 403 on staging's", async () => {
      const key = stateTransitKey("production");
      const plaintext = Buffer.from("a state secret").toString("base64");
      const { ciphertext } = expectOk(await as("POST", `${STATE_TRANSIT_MOUNT}/encrypt/${key}`, { plaintext }), "encrypt").body.data;
      assert.equal(expectOk(await as("POST", `${STATE_TRANSIT_MOUNT}/decrypt/${key}`, { ciphertext }), "decrypt").body.data.plaintext, plaintext);
      assertDenied(await as("POST", `${STATE_TRANSIT_MOUNT}/encrypt/${stateTransitKey("staging")}`, { plaintext }));
      assertDenied(await as("POST", `${STATE_TRANSIT_MOUNT}/decrypt/${stateTransitKey("staging")}`, { ciphertext }));
      assertDenied(await as("GET", `${STATE_TRANSIT_MOUNT}/export/encryption-key/${key}`));
    });
  });

  describe("the production preview token", () => {
    let token: string;
    const as = (method: string, apiPath: string, body?: unknown) => vault.api(method, apiPath, body, token);
    const encryptWith = async (environment: CiEnvironment, plaintext: string) => {
      const deploy = await tokenFor(environment, "deploy");
      return expectOk(await vault.api("POST", `${STATE_TRANSIT_MOUNT}/encrypt/${stateTransitKey(environment)}`, { plaintext }, deploy), "encrypt").body.data.ciphertext as string;
    };
    before(async () => {
      token = await tokenFor("production", "preview");
    });

    it("reads no KV secret", async () => {
      expectOk(await vault.admin("POST", `${PRODUCTION_MOUNTS.kv}/data/blueprint-items-api`, { data: { api_key: "a".repeat(32) } }), "seed");
      assertDenied(await as("GET", `${PRODUCTION_MOUNTS.kv}/data/blueprint-items-api`));
      assertDenied(await as("GET", `${PRODUCTION_MOUNTS.kv}/metadata/blueprint-items-api`));
    });

    it("decrypts its own stack's state secrets and gets 403 on the other stack's", async () => {
      const plaintext = Buffer.from("state").toString("base64");
      const own = await encryptWith("production", plaintext);
      assert.equal(expectOk(await as("POST", `${STATE_TRANSIT_MOUNT}/decrypt/${stateTransitKey("production")}`, { ciphertext: own }), "decrypt").body.data.plaintext, plaintext);
      const other = await encryptWith("staging", plaintext);
      assertDenied(await as("POST", `${STATE_TRANSIT_MOUNT}/decrypt/${stateTransitKey("staging")}`, { ciphertext: other }));
    });

    it("changes nothing: no policy, no role, no secret", async () => {
      assertDenied(await as("PUT", `sys/policies/acl/${SERVICE_POLICY_NAME}`, { policy: 'path "x" { capabilities = ["read"] }' }));
      assertDenied(await as("POST", `auth/${PRODUCTION_MOUNTS.approle}/role/blueprint-z`, { token_policies: [SERVICE_POLICY_NAME] }));
      assertDenied(await as("POST", `${PRODUCTION_MOUNTS.kv}/data/blueprint-z`, { data: { api_key: "z".repeat(32) } }));
    });
  });

  describe("the main program's renders applied with the deploy tokens, not root", () => {
    const vaultObjects = (resources: DeclaredResource[], type: string) => resources.filter((resource) => resource.type === type);
    /** The program declares no policy and no mount: those are ci-identity/'s. */
    const assertNoPlatformObjects = (resources: DeclaredResource[]) => {
      for (const type of ["vault:index/policy:Policy", "vault:index/mount:Mount", "vault:index/authBackend:AuthBackend", "vault:generic/endpoint:Endpoint"]) assert.deepEqual(vaultObjects(resources, type), [], type);
      const roles = ["vault:appRole/authBackendRole:AuthBackendRole", "vault:kubernetes/authBackendRole:AuthBackendRole"].flatMap((type) => vaultObjects(resources, type));
      assert.ok(roles.length > 0, "the render declares a service's role");
    };

    it("staging: the deploy token declares the role, the secret and a secret_id; the service's token reads its own secret and not a neighbour's", async () => {
      const raw = loadStackFile("staging");
      const values = structuredClone(raw.values) as Any;
      values.vault.kvMount = { path: STAGING_MOUNTS.kvMount.path, create: false };
      values.vault.approleMount = { path: STAGING_MOUNTS.approleMount.path, create: false };
      values.vault.kubernetesMount = { path: STAGING_MOUNTS.kubernetesMount.path, create: false };
      withAppRole(values, "staging");
      // The secret_id's CIDR binding, for a service that logs in from this host.
      values.vault.secretId.boundCidrs = ["127.0.0.1/32"];
      withClientReviewer(values, OUTSIDE_CLUSTER);
      const render = await runBlueprint("staging", { values, secretKeys: raw.secretKeys });
      assertNoPlatformObjects(render.resources);
      const token = await tokenFor("staging", "deploy");
      const identity = await applyDeclaredVault(vault, render.resources, { token });
      assert.equal(identity.roleName, "blueprint-items-api");
      assert.equal(identity.kvPath.name, identity.roleName, "the secret is named after the role");
      // What a refresh reads back, with the same token (the KV secret is not read: disableRead).
      for (const readBack of [`auth/${identity.approleMount}/role/${identity.roleName}`, `auth/${identity.approleMount}/role/${identity.roleName}/role-id`]) {
        expectOk(await vault.api("GET", readBack, undefined, token), `read ${readBack}`);
      }
      const neighbour = "blueprint-billing-api";
      expectOk(await vault.admin("POST", `${identity.kvPath.mount}/data/${neighbour}`, { data: { api_key: "b".repeat(32) } }), "a neighbour's secret");
      const login = expectOk(await vault.api("POST", `auth/${identity.approleMount}/login`, { role_id: identity.roleId, secret_id: identity.secretId }), "service login").body.auth;
      const serviceToken = login.client_token as string;
      try {
        assert.deepEqual(login.policies, [SERVICE_POLICY_NAME]);
        assert.equal(expectOk(await vault.api("GET", `${identity.kvPath.mount}/data/${identity.kvPath.name}`, undefined, serviceToken), "service read").body.data.data.api_key, identity.kv.api_key);
        assertDenied(await vault.api("GET", `${identity.kvPath.mount}/data/${neighbour}`, undefined, serviceToken));
        assertDenied(await vault.api("GET", `${PRODUCTION_MOUNTS.kv}/data/${identity.kvPath.name}`, undefined, serviceToken));
      } finally {
        await vault.api("POST", "auth/token/revoke-self", {}, serviceToken);
      }
    });

    it("production: on the operators' mounts, the deploy token declares the Kubernetes auth config, the service's role (carrying blueprint-services) and the secret", async () => {
      const render = await runBlueprint("production", edited("production", (values) => withClientReviewer(values, OUTSIDE_CLUSTER)));
      assertNoPlatformObjects(render.resources);
      const applied = await applyVaultResources(vault, render.resources, { token: await tokenFor("production", "deploy") });
      assert.ok(applied.kubernetesMount && applied.kvPath && applied.roleName);
      assert.equal(applied.kvPath.name, applied.roleName);
      assert.equal(applied.secretId, undefined, "no secret_id exists with Kubernetes auth");
      const role = expectOk(await vault.admin("GET", `auth/${PRODUCTION_MOUNTS.kubernetes}/role/${applied.roleName}`), "role").body.data;
      assert.deepEqual(
        [role.token_policies, role.bound_service_account_names, role.bound_service_account_namespaces, role.audience, role.token_no_default_policy],
        [[SERVICE_POLICY_NAME], ["items-api"], ["apps"], OUTSIDE_CLUSTER.audience, true],
      );
      const config = expectOk(await vault.admin("GET", `auth/${PRODUCTION_MOUNTS.kubernetes}/config`), "config").body.data;
      assert.deepEqual([config.kubernetes_host, config.kubernetes_ca_cert, config.disable_local_ca_jwt], [OUTSIDE_CLUSTER.host, OUTSIDE_CLUSTER.caCert, true]);
      expectOk(await vault.admin("GET", `${applied.kvPath.mount}/data/${applied.kvPath.name}`), "the secret");
    });

    it("the deploy token may not give the Kubernetes auth mount a reviewer JWT or keys of its own, nor a role another policy", async () => {
      const token = await tokenFor("production", "deploy");
      const config = `auth/${PRODUCTION_MOUNTS.kubernetes}/config`;
      const host = { kubernetes_host: OUTSIDE_CLUSTER.host, kubernetes_ca_cert: OUTSIDE_CLUSTER.caCert, disable_local_ca_jwt: true };
      assertDenied(await vault.api("POST", config, { ...host, token_reviewer_jwt: "a.b.c" }, token));
      assertDenied(await vault.api("POST", config, { ...host, pem_keys: ["-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"] }, token));
      assertDenied(await vault.api("POST", config, { ...host, pem_keys: "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----" }, token));
      // What the Vault provider sends on every update: pem_keys as its empty list joined, and the two flags.
      expectOk(await vault.api("POST", config, { ...host, pem_keys: "", disable_iss_validation: true, use_annotations_as_alias_metadata: false }, token), "the provider's update");
      const role = `auth/${PRODUCTION_MOUNTS.kubernetes}/role/blueprint-z`;
      const binding = { bound_service_account_names: ["z"], bound_service_account_namespaces: ["apps"] };
      assertDenied(await vault.api("POST", role, { ...binding, token_policies: ["root"] }, token));
      assertDenied(await vault.api("POST", role, { ...binding, token_policies: [SERVICE_POLICY_NAME], token_period: 3600 }, token));
      assertDenied(await vault.api("POST", `auth/${PRODUCTION_MOUNTS.kubernetes}/role/team-role`, { ...binding, token_policies: [SERVICE_POLICY_NAME] }, token));
      assert.equal((await vault.admin("GET", role)).status, 404);
    });
  });
});
