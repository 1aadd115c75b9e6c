import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
// Inside this repository the components are imported by path; docs/library.md shows the other ways.
import {
  type Environment,
  type PlatformStackOutputs,
  platformEndpoints,
  ProductionService,
  serviceSchema,
  vaultEnabledSchema,
  type VaultConfig,
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
  docs: false,
  logLevel: "info",
  topologySpread: true,
  ingress: { host: "reports.example.com", tlsSecretName: "reports-tls" },
});

/** The platform's Vault, with this project's own secret_id policy; the mounts are the platform's. */
function vaultConfigFor(platform: PlatformStackOutputs): VaultConfig {
  if (!platform.vault.enabled || !platform.vault.address) return { enabled: false };
  return vaultEnabledSchema.parse({
    enabled: true,
    address: platform.vault.address,
    network: { namespace: "vault", podLabels: { "app.kubernetes.io/name": "vault" } },
    kvMount: { path: platform.vault.kvMount, create: false },
    approleMount: { path: platform.vault.approleMount, create: false },
    secretId: { ttl: "1080h", rotation: "2026-11" },
  });
}

// An async program: StackReference values are read once, as plain values, before any resource is declared.
export = async () => {
  const platformRef = new pulumi.StackReference(platformStack);
  const platform = {
    environment: await platformRef.requireOutputValue("environment"),
    namespaces: await platformRef.requireOutputValue("namespaces"),
    collectorEndpoint: await platformRef.requireOutputValue("collectorEndpoint"),
    vault: await platformRef.requireOutputValue("vault"),
  } as Omit<PlatformStackOutputs, "services">;
  if (platform.environment !== environment) {
    throw new Error(`stack '${platformStack}' is the ${platform.environment} platform, but this stack deploys to ${environment}`);
  }

  const vaultConfig = vaultConfigFor(platform as PlatformStackOutputs);
  // The Vault provider reads VAULT_TOKEN from the environment, as the platform's does.
  const providers: Record<string, pulumi.ProviderResource> = {};
  if (vaultConfig.enabled) providers.vault = new vault.Provider("vault", { address: vaultConfig.address });
  const reports = new ProductionService(
    "reports",
    {
      environment,
      config: reportsConfig,
      // A restricted namespace of its own: default-deny, DNS egress, and only the flows the component opens.
      namespace: { create: true, name: "reports" },
      platform: platformEndpoints(platform.namespaces),
      ingressController: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
      vault: vaultConfig,
      ...(vaultConfig.enabled ? { vaultMounts: { kvMountPath: vaultConfig.kvMount.path, approlePath: vaultConfig.approleMount.path } } : {}),
      projectRoot: __dirname,
    },
    { providers },
  );

  return {
    url: reports.url,
    image: reports.image,
    // Where the service sends traces: the platform's collector, read from the platform stack.
    collectorEndpoint: platform.collectorEndpoint,
  };
};
