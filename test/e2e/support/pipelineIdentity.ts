/**
 * The CI identities of the new pipeline, for real: a Vault whose transit engine encrypts each stack's state
 * secrets with that stack's own key, and the preview job's Kubernetes identity (ci-identity/previewRbac.ts)
 * with a token minted by the API server. The tokens stay in memory and in the environment of the processes
 * that use them; the preview kubeconfig (it holds a token, as CI's does) lives in the run's temporary
 * directory, never in the repository.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { makeTestCertificates, type TestCertificates } from "../../../app/test/support/test-ca";
import { STATE_TRANSIT_MOUNT, stateTransitKey } from "../../../ci-identity/names";
import { PREVIEW_VERBS, previewRbac, type PreviewRbac } from "../../../ci-identity/previewRbac";
import type { KubernetesObject } from "../../../policy/kubernetes";
import { kubeClient } from "../../../scripts/lib/localCluster";
import { stateKeyPolicyDocument } from "../../../ci-identity/vaultPolicies";
import { freePort, Processes } from "../../systems/support/processes";
import { expectOk, VaultServer } from "../../systems/support/vault";

/**
 * A real Vault (toolchain/systems/install.sh) with the `pulumi-state` transit mount, one key per stack, and one
 * token per stack that holds only that stack's encrypt and decrypt rules (no default policy). The root token
 * never leaves the VaultServer object.
 */
export class StateVault {
  readonly processes = new Processes();
  private readonly tokens = new Map<string, string>();
  private server: VaultServer | undefined;
  private certs: TestCertificates | undefined;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-state-vault-"));

  async start(stacks: readonly string[]): Promise<void> {
    this.certs = makeTestCertificates("127.0.0.1");
    this.server = new VaultServer(this.processes, this.dir, this.certs, await freePort());
    await this.server.start();
    const vault = this.server;
    expectOk(await vault.admin("POST", `sys/mounts/${STATE_TRANSIT_MOUNT}`, { type: "transit" }), "mount transit");
    for (const stack of stacks) {
      expectOk(await vault.admin("POST", `${STATE_TRANSIT_MOUNT}/keys/${stateTransitKey(stack)}`, {}), `transit key of ${stack}`);
      const policy = `e2e-ci-state-${stack}`;
      expectOk(await vault.admin("PUT", `sys/policies/acl/${policy}`, { policy: stateKeyPolicyDocument(stack) }), `policy of ${stack}`);
      const created = expectOk(await vault.admin("POST", "auth/token/create", { policies: [policy], no_default_policy: true, ttl: "2h" }), `token of ${stack}`);
      this.tokens.set(stack, created.body.auth.client_token as string);
    }
  }

  /** What a CI job of `stack`'s environment has: the address, the CA to trust, and that stack's token. */
  env(stack: string): Record<string, string> {
    const token = this.tokens.get(stack);
    if (!token || !this.server || !this.certs) throw new Error(`no Vault token for ${stack}: StateVault.start() first`);
    return { VAULT_ADDR: `https://127.0.0.1:${this.server.port}`, VAULT_TOKEN: token, VAULT_CACERT: this.certs.caCertFile };
  }

  /** The policies Vault reports for a stack's token (looked up as root: the token may not even look itself up). */
  async tokenPolicies(stack: string): Promise<string[]> {
    const lookup = expectOk(await this.server!.admin("POST", "auth/token/lookup", { token: this.tokens.get(stack) }), `lookup of ${stack}'s token`);
    return (lookup.body.data.policies as string[]).sort();
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.certs) fs.rmSync(this.certs.dir, { recursive: true, force: true });
  }
}

/** Runs the `pulumi` on PATH (toolchain/pulumi/env.sh) in `cwd` with `env` added: for flags the Automation API always sets. */
export function pulumiCli(cwd: string, env: Record<string, string>, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 256 * 2 ** 20, timeout: 300_000 });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** Every object a file:// backend holds, as the S3 keys it would be (the file driver's .attrs sidecars left out). */
export function backendKeys(backendUrl: string): string[] {
  const root = new URL(backendUrl).pathname;
  const files = (fs.readdirSync(root, { recursive: true, encoding: "utf8" }) as string[]).filter((file) => fs.statSync(path.join(root, file)).isFile()).map((file) => file.split(path.sep).join("/"));
  const present = new Set(files);
  // gocloud's fileblob keeps each object's metadata in <key>.attrs; S3 keeps it with the object.
  return files.filter((file) => !(file.endsWith(".attrs") && present.has(file.slice(0, -".attrs".length)))).sort();
}

/**
 * Applies the preview identity's objects with the admin kubeconfig (replacing what an earlier run left), mints a
 * token for its ServiceAccount through the TokenRequest API and writes a kubeconfig for it: the admin
 * kubeconfig's cluster entry (same server, same CA) with that token as its only user.
 */
export async function createPreviewIdentity(admin: k8s.KubeConfig, adminKubeconfigFile: string, rendered: KubernetesObject[], kubeconfigFile: string): Promise<PreviewRbac> {
  const client = await kubeClient();
  const rbac = previewRbac(rendered);
  const objects = client.KubernetesObjectApi.makeApiClient(admin);
  for (const object of rbac.objects) {
    const spec = object as k8s.KubernetesObject & { metadata: { name: string } };
    try {
      await objects.create(spec);
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
      await objects.replace(spec);
    }
  }
  const { name, namespace } = rbac.serviceAccount.metadata;
  const request = await admin.makeApiClient(client.CoreV1Api).createNamespacedServiceAccountToken({ name, namespace: namespace!, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  const adminConfig = parse(fs.readFileSync(adminKubeconfigFile, "utf8")) as { "current-context": string; contexts: { name: string; context: { cluster: string } }[]; clusters: { name: string }[] };
  const context = adminConfig.contexts.find((entry) => entry.name === adminConfig["current-context"]);
  const cluster = adminConfig.clusters.find((entry) => entry.name === context?.context.cluster);
  if (!cluster) throw new Error(`${adminKubeconfigFile}: no cluster for its current context`);
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [cluster],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: cluster.name, user: name } }],
    "current-context": name,
  };
  fs.writeFileSync(kubeconfigFile, stringify(kubeconfig), { mode: 0o600 });
  return rbac;
}

/** Removes the preview identity's objects (404 is fine: already gone). */
export async function deletePreviewIdentity(admin: k8s.KubeConfig, rbac: PreviewRbac): Promise<void> {
  const objects = (await kubeClient()).KubernetesObjectApi.makeApiClient(admin);
  for (const object of [...rbac.objects].reverse()) {
    await objects.delete(object as k8s.KubernetesObject).catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
  }
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

const canonical = (rule: ResourceRule) =>
  JSON.stringify({ verbs: [...rule.verbs].sort(), apiGroups: [...(rule.apiGroups ?? [])].sort(), resources: [...(rule.resources ?? [])].sort(), resourceNames: [...(rule.resourceNames ?? [])].sort() });

/**
 * What the identity may do in `namespace`, as `kubectl auth can-i --list` shows it (SelfSubjectRulesReview, asked
 * with the identity's own kubeconfig), split into the rules every authenticated user holds through the
 * cluster's `system:basic-user` ClusterRole (read with the admin kubeconfig: creating self-reviews) and the rest.
 */
export async function reviewRules(identity: k8s.KubeConfig, admin: k8s.KubeConfig, namespace: string): Promise<{ own: ResourceRule[]; everyUser: ResourceRule[]; incomplete: boolean }> {
  const client = await kubeClient();
  const review = await identity.makeApiClient(client.AuthorizationV1Api).createSelfSubjectRulesReview({ body: { spec: { namespace } } });
  const basicUser = await admin.makeApiClient(client.RbacAuthorizationV1Api).readClusterRole({ name: "system:basic-user" });
  const everyUserRules = new Set((basicUser.rules ?? []).map((rule) => canonical(rule as ResourceRule)));
  const rules = (review.status?.resourceRules ?? []) as ResourceRule[];
  return {
    own: rules.filter((rule) => !everyUserRules.has(canonical(rule))),
    everyUser: rules.filter((rule) => everyUserRules.has(canonical(rule))),
    incomplete: review.status?.incomplete ?? true,
  };
}

/** Verbs of the rules that are neither get, list nor watch. */
export function writeVerbs(rules: ResourceRule[]): string[] {
  return rules.flatMap((rule) => rule.verbs.filter((verb) => !(PREVIEW_VERBS as readonly string[]).includes(verb)).map((verb) => `${verb} ${(rule.apiGroups ?? []).join(",")}/${(rule.resources ?? []).join(",")}`));
}
