import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
// The components as another repository gets them: the package, by name (docs/library.md, "Installing").
import {
  type Environment,
  KUBERNETES_REVIEWERS,
  type KubernetesReviewer,
  type PlatformStackOutputs,
  pinMessage,
  ProductionService,
  parseServiceConfig,
  servicePlatformEndpoints,
  vaultServiceSettingsSchema,
} from "@production-blueprint/components";

const config = new pulumi.Config();

/**
 * A setting this project cannot guess, or the update fails saying what to set. A RunError, because the
 * fault is in configuration: the engine prints its message alone, without a stack trace.
 */
function requiredSetting(key: string, what: string): string {
  const value = config.get(key);
  if (!value) throw new pulumi.RunError(`missing required configuration ${config.name}:${key}: ${what}`);
  return value;
}

const STACK_FORMS =
  "Pulumi Cloud: `pulumi config set platformStack <your-organization>/production-blueprint/production`; " +
  "a DIY backend (file://, s3://, …: the platform's backend URL): `pulumi config set platformStack organization/production-blueprint/production`, " +
  "with the word \"organization\" as is";

// Fully qualified, because a shorter name is resolved in this project, not the platform's: `production` and
// `<org>/production` both name a stack of blueprint-consumer.
const platformStack = requiredSetting("platformStack", `the platform stack to read, fully qualified. ${STACK_FORMS}`);
if (platformStack.split("/").length !== 3) {
  throw new pulumi.RunError(`${config.name}:platformStack '${platformStack}' is not <organization>/<project>/<stack>: a shorter name names a stack of this project, not the platform's. ${STACK_FORMS}`);
}

// Where this deployer reaches Vault. The platform exports only the pods' address (vault.address, an
// in-cluster name), which a CI runner cannot resolve; the pods still get that one, below.
const vaultAddress = requiredSetting("vaultAddress", "the Vault address this deployer reaches, e.g. `pulumi config set vaultAddress https://vault.example.com:8200` (not the platform's in-cluster vault.address)");
if (!/^https?:\/\/[^/\s]+/.test(vaultAddress)) {
  throw new pulumi.RunError(`${config.name}:vaultAddress '${vaultAddress}' is not an http(s) URL, e.g. https://vault.example.com:8200`);
}

const environment = (config.get("environment") ?? "production") as Environment;
if (environment !== "local" && vaultAddress.startsWith("http://")) {
  throw new pulumi.RunError(`${config.name}:vaultAddress '${vaultAddress}' is plain http: outside the local stack Vault tokens and secrets travel over https:// only`);
}

// Who reviews the services' tokens is the platform's choice (its vault.kubernetesAuth.reviewer); it decides
// which objects exist here (a TokenReview binding or none), so it is config, checked against the platform's.
const KUBERNETES_REVIEWER = (config.get("kubernetesReviewer") ?? "vault") as KubernetesReviewer;
if (!KUBERNETES_REVIEWERS.includes(KUBERNETES_REVIEWER)) {
  throw new pulumi.RunError(`${config.name}:kubernetesReviewer '${KUBERNETES_REVIEWER}' is not one of ${KUBERNETES_REVIEWERS.join(", ")} (the platform's vault.kubernetesAuth.reviewer)`);
}

// The one place this project's service is described, with the same keys and validation as an entry of the
// platform's `services` map: a bad value fails before anything runs, naming the service and the key.
const reportsConfig = parseServiceConfig("reports", {
  image: { build: false, ref: "registry.example.com/analytics/reports:1.0.0" },
  port: 8080,
  replicas: { min: 2, max: 6 },
  // Report rendering is heavier than the items API: more memory and scratch space for each pod.
  resources: {
    requests: { cpu: "200m", memory: "256Mi", ephemeralStorage: "128Mi" },
    limits: { cpu: "1", memory: "512Mi", ephemeralStorage: "512Mi" },
  },
  // Another team's image: its own entrypoint, its own health paths, /metrics on its port.
  probes: { liveness: { path: "/healthz" }, readiness: { path: "/readyz" } },
  metrics: { port: "http", path: "/metrics" },
  // What the image reads to log in to Vault: its projected ServiceAccount token's file (a path, never the
  // token), its role, and where its secret is.
  env: {
    VAULT_ADDR: { credential: "vaultAddress" },
    VAULT_K8S_TOKEN_FILE: { credential: "vaultTokenFile" },
    VAULT_K8S_ROLE: { credential: "vaultKubernetesRole" },
    VAULT_K8S_MOUNT: { credential: "vaultKubernetesMount" },
    VAULT_KV_MOUNT: { credential: "vaultKvMount" },
    VAULT_SECRET_PATH: { credential: "vaultSecretPath" },
  },
  topologySpread: true,
  ingress: { host: "reports.example.com", tlsSecretName: "reports-tls" },
});

// This project's own Vault settings (Kubernetes auth, the default: its token's audience and lifetime),
// checked and defaulted like the platform's `vault` config. The pods' address, the mounts and the Kubernetes
// auth reviewer are the platform's: they come from its stack below.
const vaultSettings = vaultServiceSettingsSchema.parse({
  enabled: true,
  network: { namespace: "vault", podLabels: { "app.kubernetes.io/name": "vault" } },
});

type PlatformValues = Omit<PlatformStackOutputs, "services">;
type CheckedPlatform = Omit<PlatformValues, "vault"> & {
  vault: { address: string; kvMount: string; approleMount: string; kubernetesMount: string; kubernetesReviewer: KubernetesReviewer };
};

/**
 * The platform's values as this project needs them, or the update fails saying why. Pinned, because every
 * resource built from these values fails with this one error.
 */
function checkPlatform(platform: PlatformValues): CheckedPlatform {
  if (platform.environment !== environment) {
    throw pinMessage(new pulumi.RunError(`stack '${platformStack}' is the ${platform.environment} platform, but this stack deploys to ${environment}`));
  }
  const { address, kvMount, approleMount, kubernetesMount, kubernetesReviewer } = platform.vault;
  if (!platform.vault.enabled || !address || !kvMount || !approleMount || !kubernetesMount) {
    throw pinMessage(new pulumi.RunError(`stack '${platformStack}' runs no Vault (vault.enabled: false), but this project's services read their secrets from it`));
  }
  if (!kubernetesReviewer) {
    throw pinMessage(new pulumi.RunError(`stack '${platformStack}' declares no Kubernetes auth config (vault.kubernetesAuth), which this project's services log in with`));
  }
  if (kubernetesReviewer !== KUBERNETES_REVIEWER) {
    throw pinMessage(new pulumi.RunError(`stack '${platformStack}' reviews tokens with reviewer '${kubernetesReviewer}', but this stack's kubernetesReviewer is '${KUBERNETES_REVIEWER}': set the platform's`));
  }
  return { ...platform, vault: { address, kvMount, approleMount, kubernetesMount, kubernetesReviewer } };
}

const platformRef = new pulumi.StackReference(platformStack);
// One Output for every value read from the platform, checked once: whatever is built from it fails with
// the check's message when the reference points at the wrong platform.
const platform = pulumi
  .all({
    environment: platformRef.requireOutput("environment"),
    namespaces: platformRef.requireOutput("namespaces"),
    collectorEndpoint: platformRef.requireOutput("collectorEndpoint"),
    vault: platformRef.requireOutput("vault"),
  })
  .apply((values) => checkPlatform(values as PlatformValues));

// Nothing is declared before the check passes: the wrong platform gets nothing of this project's, not even
// a provider or an empty namespace (which need nothing from the platform, so they wait for it explicitly).
const checked = { dependsOn: platform.apply(() => [platformRef]) };

// The deployer's address from this stack's config; the token from VAULT_TOKEN, as the platform's provider.
const vaultProvider = new vault.Provider("vault", { address: vaultAddress }, checked);
const reports = new ProductionService(
  "reports",
  {
    environment,
    config: reportsConfig,
    // A restricted namespace of its own: default-deny, DNS egress, and only the flows the component opens.
    namespace: { create: true, name: "reports" },
    platform: servicePlatformEndpoints(platform.namespaces),
    ingressController: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
    // The pods' address: the platform's in-cluster one, which they resolve.
    vault: {
      ...vaultSettings,
      address: platform.vault.address,
      kvMount: { path: platform.vault.kvMount },
      approleMount: { path: platform.vault.approleMount },
      kubernetesMount: { path: platform.vault.kubernetesMount },
      // A plain choice, not an Output (it decides which objects exist), checked against the platform's above.
      kubernetesAuth: { reviewer: KUBERNETES_REVIEWER },
    },
    projectRoot: __dirname,
  },
  { providers: { vault: vaultProvider }, ...checked },
);

export = {
  url: reports.url,
  image: reports.image,
  // Where the service sends traces: the platform's collector, read from the platform stack.
  collectorEndpoint: platform.collectorEndpoint,
};
