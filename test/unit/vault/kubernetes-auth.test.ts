import * as assert from "node:assert/strict";
import { vaultEnvironmentIssues } from "../../../components/vault/configSchema";
import { findObject, objectsOfKind, runWith, stackRun, type MockRun } from "../../support/runs";
import { appRoleStack, edited, problemsOf, withClientReviewer } from "../../support/stackEdits";

type Any = Record<string, any>;

const SERVICE = "items-api";
const TYPES = {
  config: "vault:kubernetes/authBackendConfig:AuthBackendConfig",
  role: "vault:kubernetes/authBackendRole:AuthBackendRole",
  appRole: "vault:appRole/authBackendRole:AuthBackendRole",
  secretId: "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId",
};
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const OUTSIDE = { host: "https://10.0.0.1:6443", caCert: CA, audience: "https://kubernetes.default.svc.cluster.local" };

function only(run: MockRun, type: string): Any {
  const found = run.resources.filter((resource) => resource.type === type);
  assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
  return found[0].inputs as Any;
}

for (const stack of ["staging", "production"] as const) {
  describe(`Vault Kubernetes auth on ${stack} (the default login)`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it("declares the mount's config once: the in-cluster API server, reviewed with Vault's own pod token (no CA, no reviewer JWT)", () => {
      assert.deepEqual(only(run, TYPES.config), { backend: "kubernetes", kubernetesHost: "https://kubernetes.default.svc", disableLocalCaJwt: false });
    });

    it("gives the service a role bound to its own ServiceAccount and namespace, Vault's audience, the services' policy only", () => {
      const role = only(run, TYPES.role);
      assert.deepEqual(
        { ...role, tokenBoundCidrs: undefined },
        {
          backend: "kubernetes",
          roleName: `blueprint-${SERVICE}`,
          boundServiceAccountNames: [SERVICE],
          boundServiceAccountNamespaces: ["apps"],
          audience: "vault",
          aliasNameSource: "serviceaccount_uid",
          tokenPolicies: ["blueprint-services"],
          tokenNoDefaultPolicy: true,
          tokenType: "service",
          tokenTtl: 3600,
          tokenMaxTtl: 4 * 3600,
          tokenBoundCidrs: undefined,
        },
      );
      assert.deepEqual(role.tokenBoundCidrs, stack === "production" ? ["10.0.0.0/8"] : []);
      const serviceAccount = findObject(run, "ServiceAccount", SERVICE, "apps") as Any;
      assert.equal(serviceAccount.automountServiceAccountToken, false);
    });

    it("issues no secret_id, no AppRole role, no Secret with a Vault credential, and no TokenReview binding (Vault reviews)", () => {
      assert.equal(run.resources.filter((resource) => resource.type === TYPES.appRole || resource.type === TYPES.secretId).length, 0);
      assert.deepEqual(objectsOfKind(run, "Secret").map((secret) => secret.metadata.name).filter((name) => name.includes("vault")), []);
      assert.deepEqual(objectsOfKind(run, "ClusterRoleBinding").filter((binding) => binding.metadata.name.endsWith("vault-token-review")), []);
    });
  });
}

describe("Vault Kubernetes auth with reviewer client (a Vault outside the cluster)", () => {
  let run: MockRun;
  before(async () => (run = await runWith("staging", edited("staging", (values) => withClientReviewer(values, OUTSIDE)))));

  it("names the API server and its CA, and tells Vault never to use a token of its own pod's", () => {
    assert.deepEqual(only(run, TYPES.config), { backend: "kubernetes", kubernetesHost: OUTSIDE.host, kubernetesCaCert: CA, disableLocalCaJwt: true });
  });

  it("binds the service's ServiceAccount, and nothing else, to system:auth-delegator, so its token can review itself", () => {
    const binding = findObject(run, "ClusterRoleBinding", `apps-${SERVICE}-vault-token-review`) as Any;
    assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" });
    assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: SERVICE, namespace: "apps" }]);
  });

  it("gives the pods' tokens the API server's audience, and the role the same one", () => {
    const pod = (findObject(run, "Deployment", SERVICE, "apps") as Any).spec.template.spec;
    const volume = pod.volumes.find((entry: Any) => entry.name === "vault-token");
    assert.equal(volume.projected.sources[0].serviceAccountToken.audience, OUTSIDE.audience);
    assert.equal(only(run, TYPES.role).audience, OUTSIDE.audience);
  });
});

describe("Vault config: logins and addresses outside local", () => {
  it("refuses http:// for the pods' and the deployer's address in staging and production, naming the key", () => {
    for (const stack of ["staging", "production"] as const) {
      assert.match(problemsOf(edited(stack, (v) => (v.vault.address = "http://vault.vault.svc:8200")), stack), /vault\.address: http:\/\/vault\.vault\.svc:8200 is plain http: outside the local stack/);
      assert.match(problemsOf(edited(stack, (v) => (v.vault.deployerAddress = "http://vault.example.com:8200")), stack), /vault\.deployerAddress: http:\/\/vault\.example\.com:8200 is plain http/);
    }
  });

  it("takes http:// on the local stack (a developer's Vault), and https:// everywhere", () => {
    assert.deepEqual(vaultEnvironmentIssues("local", { address: "http://127.0.0.1:8200", authMethod: "kubernetes" }), []);
    assert.deepEqual(vaultEnvironmentIssues("production", { address: "https://vault:8200", deployerAddress: "https://vault.example.com", authMethod: "kubernetes" }), []);
  });

  it("requires the Kubernetes auth config with authMethod kubernetes, and refuses a secret_id it would never use", () => {
    assert.match(problemsOf(edited("staging", (v) => delete v.vault.kubernetesAuth), "staging"), /vault\.kubernetesAuth: is required with authMethod: kubernetes/);
    assert.match(
      problemsOf(edited("staging", (v) => (v.vault.secretId = { ttl: "24h", rotation: "x", numUses: 5, boundCidrs: ["10.0.0.0/8"] })), "staging"),
      /vault\.secretId: is read only with authMethod: approle/,
    );
    assert.match(problemsOf(edited("staging", (v) => (v.vault.kubernetesAuth.host = "http://kubernetes.default.svc")), "staging"), /vault\.kubernetesAuth\.host: expected the API server's https:\/\/ URL/);
  });

  it("with reviewer client: requires the CA and an audience the API server accepts (not 'vault')", () => {
    assert.match(problemsOf(edited("staging", (v) => (v.vault.kubernetesAuth = { host: OUTSIDE.host, reviewer: "client" })), "staging"), /vault\.kubernetesAuth\.caCert: is required with reviewer: client/);
    assert.match(
      problemsOf(edited("staging", (v) => (v.vault.kubernetesAuth = { host: OUTSIDE.host, caCert: CA, reviewer: "client" })), "staging"),
      /vault\.kubernetesToken\.audience: with kubernetesAuth\.reviewer: client the token reviews itself/,
    );
  });

  it("keeps a projected token within the API server's bounds: 10 minutes at least, a day at most", () => {
    assert.match(problemsOf(edited("staging", (v) => (v.vault.kubernetesToken.expirationSeconds = 300)), "staging"), /vault\.kubernetesToken\.expirationSeconds/);
    assert.match(problemsOf(edited("staging", (v) => (v.vault.kubernetesToken.expirationSeconds = 90000)), "staging"), /vault\.kubernetesToken\.expirationSeconds/);
  });

  it("with AppRole outside local: requires a CIDR binding, a finite TTL within 2160h, and finite uses, each named", () => {
    for (const stack of ["staging", "production"] as const) {
      assert.match(problemsOf(appRoleStack(stack, (v) => (v.vault.secretId.boundCidrs = [])), stack), /vault\.secretId\.boundCidrs: is required in/);
      assert.match(problemsOf(appRoleStack(stack, (v) => (v.vault.secretId.numUses = 0)), stack), /vault\.secretId\.numUses: 0 \(unlimited\) is refused in/);
      assert.match(problemsOf(appRoleStack(stack, (v) => (v.vault.secretId.ttl = "0s")), stack), /vault\.secretId\.ttl: 0s: in .* a secret_id must expire, within 2160h/);
      assert.match(problemsOf(appRoleStack(stack, (v) => (v.vault.secretId.ttl = "2161h")), stack), /vault\.secretId\.ttl: 2161h/);
      assert.match(problemsOf(edited(stack, (v) => (v.vault.authMethod = "approle")), stack), /vault\.secretId: is required with authMethod: approle/);
    }
  });

  it("an env entry may name only a credential of the stack's login", () => {
    const withEntry = (credential: string) =>
      edited("staging", (v) => (v.services[SERVICE].env = { ...(v.services[SERVICE].env ?? {}), SOME_FILE: { credential } }));
    assert.match(problemsOf(withEntry("vaultRoleIdFile"), "staging"), /env\.SOME_FILE: the credential 'vaultRoleIdFile' exists only with vault\.authMethod: approle \(this stack's is kubernetes\)/);
    assert.match(problemsOf(appRoleStack("staging", (v) => (v.services[SERVICE].env = { SOME_FILE: { credential: "vaultTokenFile" } })), "staging"), /the credential 'vaultTokenFile' exists only with vault\.authMethod: kubernetes/);
  });
});
