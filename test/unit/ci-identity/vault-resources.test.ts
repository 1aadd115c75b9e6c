import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CI_IDENTITY_PROJECT } from "../../../ci-identity/config";
import { CI_TOKEN_TTL_SECONDS } from "../../../ci-identity/jwtRoles";
import { CI_WORKFLOWS, type CiJob, GITHUB_OIDC_ISSUER, JWT_AUTH_MOUNT, STATE_TRANSIT_MOUNT } from "../../../ci-identity/names";
import { deployPolicyDocument, previewPolicyDocument } from "../../../ci-identity/vaultPolicies";
import { SERVICE_POLICY_NAME } from "../../../components/vault/names";
import { servicePolicyTemplate } from "../../../components/vault/policy";
import { type CiIdentityRun, loadCiIdentityStackFile, runCiIdentity } from "../../../scripts/lib/ciIdentityRun";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { mockAuthAccessor, runUnderMocks } from "../../../scripts/lib/mockProgram";
import { revealSecrets } from "../../../scripts/lib/secrets";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { underMocks } from "../../support/runs";

type Any = Record<string, any>;

const TYPES = {
  jwtBackend: "vault:jwt/authBackend:AuthBackend",
  jwtRole: "vault:jwt/authBackendRole:AuthBackendRole",
  mount: "vault:index/mount:Mount",
  transitKey: "vault:transit/secretBackendKey:SecretBackendKey",
  policy: "vault:index/policy:Policy",
  authBackend: "vault:index/authBackend:AuthBackend",
  endpoint: "vault:generic/endpoint:Endpoint",
};

/** The CI identity program for a stack, under mocks, in the unit tests' queue (no two runs share the mock monitor). */
async function ciIdentityRun(stack: string, values?: Record<string, unknown>): Promise<CiIdentityRun> {
  const { result, unhandled } = await underMocks(() => runCiIdentity(stack, values ?? loadCiIdentityStackFile(stack)));
  assert.deepEqual(unhandled, []);
  return result;
}

const ofType = (run: CiIdentityRun, type: string): DeclaredResource[] => run.resources.filter((resource) => resource.type === type);
const role = (run: CiIdentityRun, name: string): Any => {
  const found = ofType(run, TYPES.jwtRole).filter((resource) => resource.inputs.roleName === name);
  assert.equal(found.length, 1, `one JWT role ${name}`);
  return found[0].inputs;
};

describe("ci-identity: the program's declared Vault objects", () => {
  let staging: CiIdentityRun;
  let production: CiIdentityRun;
  before(async () => {
    staging = await ciIdentityRun("staging");
    production = await ciIdentityRun("production");
  });

  it("declares the JWT auth mount trusting GitHub's issuer; every Vault object inside the component", () => {
    for (const run of [staging, production]) {
      assert.deepEqual(ofType(run, TYPES.jwtBackend).map((resource) => resource.inputs), [
        { path: JWT_AUTH_MOUNT, type: "jwt", description: "GitHub Actions OIDC (production-blueprint CI identities)", oidcDiscoveryUrl: GITHUB_OIDC_ISSUER, boundIssuer: GITHUB_OIDC_ISSUER },
      ]);
      for (const resource of run.resources.filter((entry) => entry.type.startsWith("vault:"))) assert.equal(resource.parent, "production-blueprint:ci-identity:CiIdentity::ci-identity");
    }
  });

  it("staging declares the platform's KV v2 and AppRole mounts, the AppRole mount's login lockout, and the services' policy on its accessor", () => {
    assert.deepEqual(ofType(staging, TYPES.mount).map((resource) => resource.inputs), [
      { path: STATE_TRANSIT_MOUNT, type: "transit", description: "Pulumi state secrets of production-blueprint" },
      { path: "secret", type: "kv", options: { version: "2" }, description: "production-blueprint service secrets" },
    ]);
    assert.deepEqual(ofType(staging, TYPES.authBackend).map((resource) => resource.inputs), [
      { type: "approle", path: "approle", description: "production-blueprint service identities" },
      { type: "kubernetes", path: "kubernetes", description: "production-blueprint service identities (ServiceAccount tokens)" },
    ]);
    // The provider marks dataJson secret; the lockout is no secret, so it is revealed to be compared.
    assert.deepEqual(ofType(staging, TYPES.endpoint).map((resource) => revealSecrets(resource.inputs)), [
      {
        path: "sys/auth/approle/tune",
        dataJson: JSON.stringify({ user_lockout_config: { lockout_threshold: "20", lockout_duration: "300s", lockout_counter_reset_duration: "300s", lockout_disable: false } }),
        disableRead: true,
        disableDelete: true,
      },
    ]);
    const services = ofType(staging, TYPES.policy).filter((resource) => resource.inputs.name === SERVICE_POLICY_NAME);
    assert.deepEqual(services.map((resource) => resource.inputs.policy), [servicePolicyTemplate("secret", mockAuthAccessor("approle"), mockAuthAccessor("kubernetes", "kubernetes"))]);
  });

  it("production finds the operators' mounts (the getAuthBackend data source for the accessor) and declares none", () => {
    assert.deepEqual(ofType(production, TYPES.mount).map((resource) => resource.inputs.path), [STATE_TRANSIT_MOUNT]);
    assert.deepEqual(ofType(production, TYPES.authBackend), []);
    assert.deepEqual(ofType(production, TYPES.endpoint), []);
    const services = ofType(production, TYPES.policy).filter((resource) => resource.inputs.name === SERVICE_POLICY_NAME);
    assert.deepEqual(services.map((resource) => resource.inputs.policy), [servicePolicyTemplate("secret", mockAuthAccessor("approle"), mockAuthAccessor("kubernetes", "kubernetes"))]);
    assert.equal(production.outputs.servicesPolicy, SERVICE_POLICY_NAME);
  });

  it("the mocked accessor is Vault's shape and names its mount, whether from the backend or the data source", async () => {
    const run = await ciIdentityRun("production", { ...loadCiIdentityStackFile("production"), approleMount: { path: "apps-prod", create: false } });
    const policy = ofType(run, TYPES.policy).find((resource) => resource.inputs.name === SERVICE_POLICY_NAME)!.inputs.policy as string;
    assert.match(mockAuthAccessor("apps-prod"), /^auth_approle_[0-9a-f]+$/);
    assert.ok(policy.includes(`aliases.${mockAuthAccessor("apps-prod")}.metadata`));
    assert.notEqual(mockAuthAccessor("apps-prod"), mockAuthAccessor("approle"));
  });

  it("production's deploy role: exactly the bound claims of deploy.yml and rollback.yml on main in environment production", () => {
    assert.deepEqual(role(production, "pulumi-deploy-production"), {
      backend: JWT_AUTH_MOUNT,
      roleName: "pulumi-deploy-production",
      roleType: "jwt",
      userClaim: "sub",
      boundAudiences: ["vault:production-blueprint:production:deploy"],
      boundClaimsType: "glob",
      boundClaims: {
        repository_id: "900000001",
        environment: "production",
        ref: "refs/heads/main",
        job_workflow_ref:
          "production-blueprint/production-blueprint/.github/workflows/deploy.yml@refs/heads/main,production-blueprint/production-blueprint/.github/workflows/rollback.yml@refs/heads/main",
      },
      tokenType: "batch",
      tokenNoDefaultPolicy: true,
      tokenPolicies: ["ci-pulumi-deploy-production"],
      tokenTtl: 3600,
      tokenMaxTtl: 3600,
    });
  });

  it("staging's preview role: preview.yml on any pull request's merge ref in staging-preview, a shorter TTL", () => {
    assert.deepEqual(role(staging, "pulumi-preview-staging"), {
      backend: JWT_AUTH_MOUNT,
      roleName: "pulumi-preview-staging",
      roleType: "jwt",
      userClaim: "sub",
      boundAudiences: ["vault:production-blueprint:staging:preview"],
      boundClaimsType: "glob",
      boundClaims: {
        repository_id: "900000001",
        environment: "staging-preview",
        ref: "refs/pull/*/merge",
        job_workflow_ref: "production-blueprint/production-blueprint/.github/workflows/preview.yml@refs/pull/*/merge",
      },
      tokenType: "batch",
      tokenNoDefaultPolicy: true,
      tokenPolicies: ["ci-pulumi-preview-staging"],
      tokenTtl: 1800,
      tokenMaxTtl: 1800,
    });
    assert.ok(CI_TOKEN_TTL_SECONDS.preview < CI_TOKEN_TTL_SECONDS.deploy);
  });

  it("each stack's CI policies are the builders' documents for its own mounts", () => {
    const documents = (run: CiIdentityRun): Record<string, string> =>
      Object.fromEntries(ofType(run, TYPES.policy).filter((resource) => resource.inputs.name !== SERVICE_POLICY_NAME).map((resource) => [resource.inputs.name, resource.inputs.policy]));
    assert.deepEqual(documents(staging), {
      "ci-pulumi-deploy-staging": deployPolicyDocument("staging", { kvPath: "secret", approlePath: "approle", kubernetesPath: "kubernetes" }),
      "ci-pulumi-preview-staging": previewPolicyDocument("staging"),
    });
    assert.deepEqual(documents(production), {
      "ci-pulumi-deploy-production": deployPolicyDocument("production", { kvPath: "secret", approlePath: "approle", kubernetesPath: "kubernetes" }),
      "ci-pulumi-preview-production": previewPolicyDocument("production"),
    });
    for (const document of [...Object.values(documents(staging)), ...Object.values(documents(production))]) assert.ok(!document.includes("sys/"));
  });

  it("one state key per stack, never exportable, never deletable", () => {
    for (const [run, key] of [[staging, "production-blueprint-staging"], [production, "production-blueprint-production"]] as const) {
      assert.deepEqual(ofType(run, TYPES.transitKey).map((resource) => resource.inputs), [
        { backend: STATE_TRANSIT_MOUNT, name: key, type: "aes256-gcm96", exportable: false, allowPlaintextBackup: false, deletionAllowed: false },
      ]);
    }
  });

  it("no role issues a periodic or renewable token: every one is a batch token without the default policy", () => {
    for (const resource of [...ofType(staging, TYPES.jwtRole), ...ofType(production, TYPES.jwtRole)]) {
      assert.equal(resource.inputs.tokenType, "batch");
      assert.equal(resource.inputs.tokenNoDefaultPolicy, true);
      assert.equal(resource.inputs.tokenPeriod, undefined);
    }
  });

  it("ci-identity/index.ts, as the engine loads it, declares the same objects and exports the names", async () => {
    const entry = require.resolve("../../../ci-identity/index");
    const { result } = await underMocks(async () => {
      // The entry declares on import: load it afresh under these mocks.
      Reflect.deleteProperty(require.cache, entry);
      return runUnderMocks({ project: CI_IDENTITY_PROJECT, stack: "staging", values: loadCiIdentityStackFile("staging"), program: () => require(entry) as Any });
    });
    const summary = (resources: DeclaredResource[]) => resources.map((resource) => `${resource.type} ${resource.name}`).sort();
    assert.deepEqual(summary(result.resources), summary(staging.resources));
    assert.deepEqual(result.result.roles, { deploy: "pulumi-deploy-staging", preview: "pulumi-preview-staging" });
    assert.equal(result.result.stateTransitKey, "production-blueprint-staging");
    assert.equal(result.result.servicesPolicy, SERVICE_POLICY_NAME);
  });

  it("a second stack on the same Vault (declareSharedMounts: false) declares only its own objects, not the services' policy", async () => {
    const second = await ciIdentityRun("production", { ...loadCiIdentityStackFile("production"), declareSharedMounts: false });
    assert.deepEqual(second.resources.filter((resource) => resource.type.startsWith("vault:")).map((resource) => resource.type).sort(), [TYPES.policy, TYPES.policy, TYPES.jwtRole, TYPES.jwtRole, TYPES.transitKey].sort());
    assert.ok(!second.resources.some((resource) => resource.inputs.name === SERVICE_POLICY_NAME));
  });

  it("the first stack on a shared Vault writes the services' policy for the other environment's mounts too", async () => {
    const first = await ciIdentityRun("staging", {
      ...loadCiIdentityStackFile("staging"),
      kvMount: { path: "secret-staging", create: true },
      approleMount: { path: "approle-staging", create: true, lockout: { disable: true } },
      kubernetesMount: { path: "kubernetes-staging", create: true },
      otherEnvironmentMounts: [{ kvPath: "secret", approlePath: "approle", kubernetesPath: "kubernetes" }],
    });
    const services = ofType(first, TYPES.policy).filter((resource) => resource.inputs.name === SERVICE_POLICY_NAME);
    assert.equal(services.length, 1);
    const policy = services[0].inputs.policy as string;
    assert.ok(policy.startsWith(servicePolicyTemplate("secret-staging", mockAuthAccessor("approle-staging"), mockAuthAccessor("kubernetes-staging", "kubernetes"))), policy);
    assert.ok(policy.includes(`path "secret/data/{{identity.entity.aliases.${mockAuthAccessor("approle")}.metadata.role_name}}"`), policy);
    assert.ok(policy.includes(`path "secret/data/blueprint-{{identity.entity.aliases.${mockAuthAccessor("kubernetes", "kubernetes")}.metadata.service_account_name}}"`), policy);
    assert.equal(policy.match(/auth\/token\/renew-self/g)?.length, 1);
    assert.deepEqual(ofType(first, TYPES.endpoint).map((resource) => JSON.parse((revealSecrets(resource.inputs) as Any).dataJson as string)), [{ user_lockout_config: { lockout_disable: true } }]);
  });

  it("points Vault at another issuer with its CA when config says so", async () => {
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const run = await ciIdentityRun("staging", { ...loadCiIdentityStackFile("staging"), oidc: { discoveryUrl: "https://127.0.0.1:8443", discoveryCaPem: ca } });
    const backend = ofType(run, TYPES.jwtBackend)[0].inputs;
    assert.deepEqual([backend.oidcDiscoveryUrl, backend.boundIssuer, backend.oidcDiscoveryCaPem], ["https://127.0.0.1:8443", "https://127.0.0.1:8443", ca]);
  });

  it("every token outlives the longest job that holds it (the workflows' timeout-minutes)", () => {
    const jobMinutes = (file: string) =>
      Object.values((parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as Any).jobs as Any).map((job: Any) => Number(job["timeout-minutes"]));
    for (const job of ["deploy", "preview"] as CiJob[]) {
      for (const file of CI_WORKFLOWS[job]) {
        const minutes = jobMinutes(file);
        assert.ok(minutes.length > 0 && minutes.every((value) => Number.isFinite(value)), `${file}: every job sets timeout-minutes`);
        assert.ok(CI_TOKEN_TTL_SECONDS[job] >= Math.max(...minutes) * 60, `${file}: ${CI_TOKEN_TTL_SECONDS[job]} s < ${Math.max(...minutes)} min`);
      }
    }
  });
});
