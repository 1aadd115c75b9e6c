/**
 * Vault's Kubernetes auth as the staging render declares it, against the local cluster's real kube-apiserver
 * (TokenRequest issues the tokens, TokenReview vouches for them) and a real Vault (v1.21.4, built from the Go
 * module proxy): the operators' mounts and services' policy from ci-identity/, then the render's auth config
 * and the service's role. Tokens are requested for the rendered ServiceAccount with the rendered audience and
 * lifetime; the built service logs in with its token file as the pod would, and rereads it when it rotates.
 *
 * This Vault runs outside the cluster, so the render is the one for such a Vault: reviewer `client` (each
 * login's token reviews itself), the API server's CA in config, and the API server's own audience on the
 * tokens (docs/vault.md, "Who reviews the tokens"). Staging's own setting, reviewer `vault`, needs Vault in a
 * pod (it reads its own token and CA there); no test here runs one.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { makeTestCertificates, type TestCertificates } from "../../app/test/support/test-ca";
import { serviceRoleName, serviceSecretPath, SERVICE_POLICY_NAME } from "../../components/vault/names";
import { runCiIdentity } from "../../scripts/lib/ciIdentityRun";
import { clusterDown, clusterPaths, clusterUp, kubeClient, loadKubeConfig } from "../../scripts/lib/localCluster";
import { kubernetesObjects } from "../../scripts/lib/manifests";
import { PROJECT_ROOT } from "../../scripts/lib/stackFile";
import { edited, withClientReviewer } from "../support/stackEdits";
import { assertPortsFree, Processes, waitFor } from "../systems/support/processes";
import { renderStack, type StackRender } from "../systems/support/render";
import { startService, type ServiceUnderTest } from "../systems/support/service";
import { mountDirs, type MountedFiles, SERVICE, serviceEnv } from "../systems/support/serviceEnv";
import { expectOk, type VaultAnswer, VaultServer } from "../systems/support/vault";
import { applyVaultResources } from "../systems/support/vaultApplier";

type Any = Record<string, any>;

// Namespaces of this test alone: another e2e's `apps` may still be terminating after its destroy.
const NAMESPACE = "vault-auth-e2e";
const OTHER_NAMESPACE = "vault-auth-e2e-other";
const INTRUDER = "intruder";

const log = (line: string) => console.log(`      ${line}`);

describe("Vault's Kubernetes auth: the staging render against the local cluster's API server and a real Vault", function () {
  this.timeout(600_000);
  const processes = new Processes();
  const paths = clusterPaths(PROJECT_ROOT);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-vault-k8s-"));
  let createdCluster = false;
  let kube: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let rbac: k8s.RbacAuthorizationV1Api;
  let audience: string;
  let certs: TestCertificates;
  let render: StackRender;
  let vault: VaultServer;
  let mounts: MountedFiles;
  let env: Record<string, string>;
  let service: ServiceUnderTest | undefined;
  let kubernetesMount: string;
  let kv: Record<string, string>;
  let kvPath: { mount: string; name: string };
  const bindings: string[] = [];
  /** The token in the service's file after the rotation. */
  let rotated: string;

  const renderedObject = (kind: string, name: string): Any => {
    const found = kubernetesObjects(render.resources).find((object) => object.kind === kind && object.metadata.name === name);
    assert.ok(found, `the render has no ${kind} ${name}`);
    return structuredClone(found) as Any;
  };
  const renderedRole = (): Any => render.resources.find((resource) => resource.type === "vault:kubernetes/authBackendRole:AuthBackendRole")!.inputs as Any;
  const projectedToken = (): Any => {
    const pod = render.object("Deployment", NAMESPACE, SERVICE).spec.template.spec;
    const volume = pod.volumes.find((entry: Any) => entry.projected?.sources?.some((source: Any) => source.serviceAccountToken));
    assert.ok(volume, "the Deployment mounts no projected ServiceAccount token");
    return volume.projected.sources[0].serviceAccountToken;
  };

  /** A token from the API server's TokenRequest, as the kubelet asks for the pod's projected volume. */
  const requestToken = async (account: string, namespace: string, options: { audience?: string; boundSecret?: k8s.V1Secret } = {}): Promise<string> => {
    const projected = projectedToken();
    const bound = options.boundSecret ? { boundObjectRef: { apiVersion: "v1", kind: "Secret", name: options.boundSecret.metadata!.name!, uid: options.boundSecret.metadata!.uid! } } : {};
    const answer = await core.createNamespacedServiceAccountToken({
      name: account,
      namespace,
      body: { spec: { audiences: [options.audience ?? projected.audience], expirationSeconds: projected.expirationSeconds, ...bound } },
    });
    const token = answer.status?.token;
    assert.ok(token, `TokenRequest for ${namespace}/${account} returned no token`);
    return token;
  };
  const login = (jwt: string): Promise<VaultAnswer> => vault.api("POST", `auth/${kubernetesMount}/login`, { role: serviceRoleName(SERVICE), jwt });
  const errorsOf = (answer: VaultAnswer) => JSON.stringify(answer.body.errors ?? []);
  const writeTokenFile = (token: string) => {
    // As the kubelet swaps a projected volume's contents: a new file renamed over the old one.
    const file = path.join(mounts.tokenDir, "token");
    fs.writeFileSync(`${file}.next`, token, { mode: 0o440 });
    fs.renameSync(`${file}.next`, file);
  };
  const readiness = async () => {
    const response = await fetch(`${service!.baseUrl}/ready`);
    return { status: response.status, vault: ((await response.json()) as Any).checks.vault as string };
  };
  const holderSecret = async (name: string): Promise<k8s.V1Secret> =>
    core.createNamespacedSecret({ namespace: NAMESPACE, body: { metadata: { name }, type: "Opaque", stringData: { purpose: "binds a test token's lifetime" } } });

  before(async function () {
    this.timeout(40 * 60_000); // a cold build of the cluster's programs, when they are missing
    createdCluster = (await clusterUp(paths, log)).created;
    kube = (await loadKubeConfig(paths))!;
    const client = await kubeClient();
    core = kube.makeApiClient(client.CoreV1Api);
    rbac = kube.makeApiClient(client.RbacAuthorizationV1Api);
    const cluster = kube.getCurrentCluster()!;
    const caCert = cluster.caData ? Buffer.from(cluster.caData, "base64").toString("utf8") : fs.readFileSync(cluster.caFile!, "utf8");
    // The API server accepts a token for its own audiences, which default to its issuer.
    const discovery: unknown = await kube.makeApiClient(client.WellKnownApi).getServiceAccountIssuerOpenIDConfiguration();
    audience = (typeof discovery === "string" ? JSON.parse(discovery) : discovery).issuer as string;
    assert.match(audience, /^https:\/\//, "the API server names no issuer");
    log(`cluster: ${cluster.server}, token audience (the API server's issuer) ${audience}`);

    certs = makeTestCertificates("vault.vault.svc.cluster.local");
    const raw = edited("staging", (values) => {
      values.namespaces = { ...(values.namespaces ?? {}), apps: NAMESPACE };
      values.vault.caCert = certs.caCertPem;
      withClientReviewer(values, { host: cluster.server, caCert, audience });
    });
    render = await renderStack("staging", raw);
    mounts = mountDirs();
    env = serviceEnv(render, mounts, NAMESPACE);
    fs.writeFileSync(path.join(mounts.caDir, "ca.crt"), render.configMapData(NAMESPACE, `${SERVICE}-vault-ca`, "ca.crt"));

    vault = new VaultServer(processes, dir, certs, Number(new URL(env.VAULT_URL!).port));
    await assertPortsFree([vault.port]);
    await vault.start();
    // The operators' part (ci-identity/ for staging: the mounts and the services' policy), then the render's.
    // The JWT mount would fetch GitHub's OIDC discovery document, which a test cannot reach.
    await applyVaultResources(vault, (await runCiIdentity("staging")).resources.filter((resource) => !resource.type.startsWith("vault:jwt/")));
    const applied = await applyVaultResources(vault, render.resources);
    assert.ok(applied.kubernetesMount && applied.kv && applied.kvPath, "the render declares a Kubernetes auth role and a secret");
    ({ kubernetesMount, kv, kvPath } = applied as Required<typeof applied>);

    // The render's ServiceAccount and TokenReview binding, in namespaces of this test's own.
    for (const name of [NAMESPACE, OTHER_NAMESPACE]) await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: renderedObject("ServiceAccount", SERVICE) });
    const binding = renderedObject("ClusterRoleBinding", `${NAMESPACE}-${SERVICE}-vault-token-review`);
    await rbac.createClusterRoleBinding({ body: binding as k8s.V1ClusterRoleBinding });
    bindings.push(binding.metadata.name);
    // Two impostors whose tokens the API server vouches for as well (the same review right): only Vault's
    // role binding can refuse them.
    await core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: INTRUDER } } });
    await core.createNamespacedServiceAccount({ namespace: OTHER_NAMESPACE, body: { metadata: { name: SERVICE } } });
    const impostors = `${NAMESPACE}-impostors-token-review`;
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: impostors },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
        subjects: [
          { kind: "ServiceAccount", name: INTRUDER, namespace: NAMESPACE },
          { kind: "ServiceAccount", name: SERVICE, namespace: OTHER_NAMESPACE },
        ],
      },
    });
    bindings.push(impostors);
  });

  after(async function () {
    this.timeout(5 * 60_000);
    await processes.stopAll();
    // Whatever failed above, nothing of this run stays in the cluster, and a cluster this run started stops.
    for (const name of bindings) await rbac?.deleteClusterRoleBinding({ name }).catch((error) => log(`cleanup of ClusterRoleBinding ${name} failed: ${(error as Error).message}`));
    for (const name of [NAMESPACE, OTHER_NAMESPACE]) await core?.deleteNamespace({ name }).catch(() => undefined);
    if (createdCluster) clusterDown(paths, log);
  });

  it("Vault holds the render's config (the API server, its CA, the token reviews itself) and the service's role: its ServiceAccount, namespace and audience, the services' policy only", async () => {
    const config = expectOk(await vault.admin("GET", `auth/${kubernetesMount}/config`), "config").body.data;
    assert.equal(config.kubernetes_host, kube.getCurrentCluster()!.server);
    assert.equal(config.disable_local_ca_jwt, true);
    const role = expectOk(await vault.admin("GET", `auth/${kubernetesMount}/role/${serviceRoleName(SERVICE)}`), "role").body.data;
    assert.deepEqual(
      [role.bound_service_account_names, role.bound_service_account_namespaces, role.audience, role.token_policies, role.token_no_default_policy],
      [[SERVICE], [NAMESPACE], audience, [SERVICE_POLICY_NAME], true],
    );
    // The pod's token: the API server's audience here (reviewer client), 10 minutes, as the stack configures it.
    assert.deepEqual(projectedToken(), { audience, expirationSeconds: 600, path: "token" });
    assert.equal(renderedRole().audience, audience);
  });

  it("a TokenRequest token for the service's ServiceAccount (the rendered audience and lifetime) logs in and reads the service's secret, and no other", async () => {
    const answer = expectOk(await login(await requestToken(SERVICE, NAMESPACE)), "login");
    const auth = answer.body.auth;
    assert.deepEqual(auth.policies, [SERVICE_POLICY_NAME]);
    assert.deepEqual([auth.metadata.service_account_name, auth.metadata.service_account_namespace], [SERVICE, NAMESPACE]);
    const token = auth.client_token as string;
    try {
      const read = expectOk(await vault.api("GET", `${kvPath.mount}/data/${kvPath.name}`, undefined, token), "read own secret");
      assert.equal(read.body.data.data.api_key, kv.api_key);
      const neighbour = `${kvPath.mount}/data/${serviceSecretPath("billing-api")}`;
      expectOk(await vault.admin("POST", neighbour, { data: { api_key: "b".repeat(32) } }), "a neighbour's secret");
      assert.equal((await vault.api("GET", neighbour, undefined, token)).status, 403);
    } finally {
      await vault.api("POST", "auth/token/revoke-self", {}, token);
    }
  });

  it("refuses another ServiceAccount of the namespace, the service's name in another namespace, and another audience", async () => {
    const intruder = await login(await requestToken(INTRUDER, NAMESPACE));
    assert.equal(intruder.status, 403, errorsOf(intruder));
    assert.match(errorsOf(intruder), /service account name not authorized/);
    const elsewhere = await login(await requestToken(SERVICE, OTHER_NAMESPACE));
    assert.equal(elsewhere.status, 403, errorsOf(elsewhere));
    assert.match(errorsOf(elsewhere), /namespace not authorized/);
    const otherAudience = await login(await requestToken(SERVICE, NAMESPACE, { audience: "some-other-service" }));
    assert.equal(otherAudience.status, 403, errorsOf(otherAudience));
    assert.match(errorsOf(otherAudience), /invalid audience/);
    const forged = await login(`${(await requestToken(SERVICE, NAMESPACE)).slice(0, -8)}AAAAAAAA`);
    assert.equal(forged.status, 403, errorsOf(forged));
  });

  it("the built service logs in with its token file, and rereads it: after a rotation, with the old token dead, its next login succeeds with the new one", async () => {
    // Short TTLs on the rendered role, so the service logs in again within seconds (1h/4h would take hours).
    expectOk(await vault.admin("POST", `auth/${kubernetesMount}/role/${serviceRoleName(SERVICE)}`, { token_ttl: 4, token_max_ttl: 8 }), "short TTLs");
    // Each token is bound to a Secret: deleting it makes the API server refuse the token, as a pod's is once the pod is gone.
    const first = await holderSecret("token-holder-1");
    const firstToken = await requestToken(SERVICE, NAMESPACE, { boundSecret: first });
    writeTokenFile(firstToken);
    await assertPortsFree([Number(env.APP_PORT)]);
    service = await startService(processes, env);
    await service.waitForEvent("vault_secrets_loaded");
    assert.deepEqual(await readiness(), { status: 200, vault: "ok" });
    const loginsBefore = service.lines().filter((line) => line.event === "vault_login_succeeded").length;

    const second = await holderSecret("token-holder-2");
    rotated = await requestToken(SERVICE, NAMESPACE, { boundSecret: second });
    writeTokenFile(rotated);
    await core.deleteNamespacedSecret({ name: "token-holder-1", namespace: NAMESPACE });
    // The API server stops vouching for the first token once its Secret is gone: Vault refuses it.
    await waitFor("Vault to refuse the first token", async () => ((await login(firstToken)).status === 403 ? true : undefined), { attempts: 30 });
    await waitFor("the service's login after the rotation", () => (service!.lines().filter((line) => line.event === "vault_login_succeeded").length > loginsBefore ? true : undefined), {
      running: service.running,
      attempts: 60,
    });
    assert.deepEqual(await readiness(), { status: 200, vault: "ok" });
    assert.ok(!service.running.output().includes(rotated.split(".")[2]), "the token never reaches the log");
  });

  it("once the token in the file is dead too, the service's logins are refused: it was the file's token that logged in", async () => {
    const count = (event: string) => service!.lines().filter((line) => line.event === event).length;
    await core.deleteNamespacedSecret({ name: "token-holder-2", namespace: NAMESPACE });
    await waitFor("Vault to refuse the file's token", async () => ((await login(rotated)).status === 403 ? true : undefined), { attempts: 30 });
    const loginsBefore = count("vault_login_succeeded");
    const refusalsBefore = count("vault_login_refused");
    await waitFor("a refused login", () => (count("vault_login_refused") > refusalsBefore ? true : undefined), {
      running: service!.running,
      attempts: 60,
    });
    assert.equal(count("vault_login_succeeded"), loginsBefore);
  });
});
