import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
// Inside this repository the components are imported by path; docs/library.md shows the other ways.
import {
  type Environment,
  type PlatformStackOutputs,
  pinMessage,
  ProductionService,
  serviceSchema,
  servicePlatformEndpoints,
  vaultServiceSettingsSchema,
} from "../../components";

const config = new pulumi.Config();
const platformStack = config.get("platformStack") ?? "org/production-blueprint/production";
const environment = (config.get("environment") ?? "production") as Environment;

// The same validation as an entry in the platform's `services` map: a bad value fails before anything runs.
const reportsConfig = serviceSchema.parse({
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
  // What the image reads to log in to Vault: the AppRole's files (paths, never values) and where its secret is.
  env: {
    VAULT_ADDR: { credential: "vaultAddress" },
    VAULT_ROLE_ID_FILE: { credential: "vaultRoleIdFile" },
    VAULT_SECRET_ID_FILE: { credential: "vaultSecretIdFile" },
    VAULT_KV_MOUNT: { credential: "vaultKvMount" },
    VAULT_SECRET_PATH: { credential: "vaultSecretPath" },
  },
  topologySpread: true,
  ingress: { host: "reports.example.com", tlsSecretName: "reports-tls" },
});

// This project's own Vault settings (its secret_id policy), checked and defaulted like the platform's
// `vault` config. The address and the mounts are the platform's: they come from its stack below.
const vaultSettings = vaultServiceSettingsSchema.parse({
  enabled: true,
  network: { namespace: "vault", podLabels: { "app.kubernetes.io/name": "vault" } },
  secretId: { ttl: "1080h", rotation: "2026-11" },
});

type PlatformValues = Omit<PlatformStackOutputs, "services">;
type CheckedPlatform = Omit<PlatformValues, "vault"> & { vault: { address: string; kvMount: string; approleMount: string } };

/**
 * The platform's values as this project needs them, or the update fails saying why. A RunError, because
 * the fault is in configuration, not in a resource: the engine prints its message alone, without a stack
 * trace. Pinned, because every resource built from these values fails with this one error.
 */
function checkPlatform(platform: PlatformValues): CheckedPlatform {
  if (platform.environment !== environment) {
    throw pinMessage(new pulumi.RunError(`stack '${platformStack}' is the ${platform.environment} platform, but this stack deploys to ${environment}`));
  }
  const { address, kvMount, approleMount } = platform.vault;
  if (!platform.vault.enabled || !address || !kvMount || !approleMount) {
    throw pinMessage(new pulumi.RunError(`stack '${platformStack}' runs no Vault (vault.enabled: false), but this project's services read their secrets from it`));
  }
  return { ...platform, vault: { address, kvMount, approleMount } };
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

// The Vault provider reads VAULT_TOKEN from the environment, as the platform's does.
const vaultProvider = new vault.Provider("vault", { address: platform.vault.address });
const reports = new ProductionService(
  "reports",
  {
    environment,
    config: reportsConfig,
    // A restricted namespace of its own: default-deny, DNS egress, and only the flows the component opens.
    namespace: { create: true, name: "reports" },
    platform: servicePlatformEndpoints(platform.namespaces),
    ingressController: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
    vault: { ...vaultSettings, address: platform.vault.address, kvMount: { path: platform.vault.kvMount }, approleMount: { path: platform.vault.approleMount } },
    projectRoot: __dirname,
  },
  // Its namespace and the rest need nothing from the platform, so they wait for the check explicitly: the
  // wrong platform must not get even an empty namespace of this project's.
  { providers: { vault: vaultProvider }, dependsOn: platform.apply(() => [platformRef]) },
);

export = {
  url: reports.url,
  image: reports.image,
  // Where the service sends traces: the platform's collector, read from the platform stack.
  collectorEndpoint: platform.collectorEndpoint,
};
