import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { KubernetesReviewer } from "./vault/configSchema";
import * as path from "node:path";
import type { BlueprintConfig } from "./stackConfig";
import { kubernetesTarget } from "./k8s/providerTarget";
import { servicePlacement } from "./placement";
import { Platform } from "./platform";
import { declareServiceNamespaces } from "./serviceNamespaces";
import { callablePorts } from "./service/manifests";
import { ProductionService, type ProductionServiceOutputs } from "./service/productionService";

export interface BlueprintOutputs {
  environment: string;
  namespaces: Platform["namespaces"];
  collectorEndpoint: string;
  /**
   * Mount paths and the Kubernetes auth reviewer are exported so another project can give its own services
   * roles on the same Vault (examples/consumer/).
   */
  vault: {
    enabled: boolean;
    address?: string;
    kvMount?: pulumi.Output<string>;
    approleMount?: pulumi.Output<string>;
    kubernetesMount?: pulumi.Output<string>;
    kubernetesReviewer?: KubernetesReviewer;
  };
  services: Record<string, ProductionServiceOutputs>;
}

const PROJECT_ROOT = path.resolve(__dirname, "..");

function kubernetesProvider(config: BlueprintConfig): k8s.Provider {
  return new k8s.Provider("kubernetes", kubernetesTarget(config.environment, config.kubernetes, PROJECT_ROOT));
}

/** The whole program: declares the platform and every configured service, and returns the stack outputs. */
export function blueprint(config: BlueprintConfig): BlueprintOutputs {
  const providers: Record<string, pulumi.ProviderResource> = { kubernetes: kubernetesProvider(config) };
  if (config.vault.enabled) {
    // Without a token in config the provider reads VAULT_TOKEN from the environment (CI: from GitHub OIDC).
    // The deployer's address, not the pods': a CI runner cannot resolve the in-cluster name.
    providers.vault = new vault.Provider("vault", {
      address: config.vault.deployerAddress ?? config.vault.address,
      // CI's Vault tokens are batch tokens (ci-identity/), which cannot create the child token the provider
      // would otherwise make; the job's token is already short-lived and bound to its workflow.
      skipChildToken: true,
      ...(config.vault.namespace ? { namespace: config.vault.namespace } : {}),
      ...(config.secrets.vaultToken ? { token: config.secrets.vaultToken } : {}),
    });
  }
  const platform = new Platform("platform", { config }, { providers });
  const ownNamespaces = declareServiceNamespaces(config.services, config.namespaces.apps, { provider: providers.kubernetes });
  const services: Record<string, ProductionServiceOutputs> = {};
  const peerOf = (service: string) => servicePlacement(service, config.services[service], config.namespaces.apps);
  for (const [name, service] of Object.entries(config.services)) {
    const ownNamespace = service.namespace === undefined ? undefined : ownNamespaces.get(service.namespace);
    const callees = Object.entries(config.services).filter(([, other]) => other.allowFrom.includes(name));
    const deployed = new ProductionService(
      name,
      {
        environment: config.environment,
        config: service,
        namespace: { create: false, name: ownNamespace ?? platform.namespaces.apps },
        platform: platform.endpoints,
        ingressController: config.ingressController,
        allowedCallers: service.allowFrom.map(peerOf),
        allowedCallees: callees.map(([callee, calleeConfig]) => ({ peer: peerOf(callee), ports: callablePorts(calleeConfig) })),
        vault: config.vault,
        ...(platform.vaultMounts ? { vaultMounts: platform.vaultMounts } : {}),
        projectRoot: PROJECT_ROOT,
      },
      { providers, dependsOn: [platform] },
    );
    // Plain values, not the component: stack outputs should list these fields, not the resource's internals.
    services[name] = { namespace: deployed.namespace, serviceName: deployed.serviceName, url: deployed.url, image: deployed.image, hpa: deployed.hpa };
  }
  return {
    environment: config.environment,
    namespaces: platform.namespaces,
    collectorEndpoint: platform.endpoints.jaeger.otlpHttpEndpoint,
    vault: config.vault.enabled
      ? {
          enabled: true,
          address: config.vault.address,
          kvMount: platform.vaultMounts?.kvMountPath,
          approleMount: platform.vaultMounts?.approlePath,
          kubernetesMount: platform.vaultMounts?.kubernetesPath,
          ...(config.vault.kubernetesAuth ? { kubernetesReviewer: config.vault.kubernetesAuth.reviewer } : {}),
        }
      : { enabled: false },
    services,
  };
}
