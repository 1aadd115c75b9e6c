import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { platformEndpoints, servicePlatformEndpoints } from "../../../components/platformEndpoints";
import { ProductionService, type ProductionServiceArgs } from "../../../components/service/productionService";
import { vaultEnabledSchema } from "../../../components/vault/configSchema";
import { vaultServiceSettingsSchema } from "../../../components/vault/serviceVault";
import { kubernetesObjects } from "../../../scripts/lib/manifests";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { underMocks } from "../../support/runs";
import { billingServiceConfig } from "../../support/billingService";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";

const NAMESPACES = { observability: "observability", logAgent: "log-agent" };
const VAULT = { address: "https://vault.vault.svc.cluster.local:8200", kvMount: "secret", approleMount: "approle", kubernetesMount: "kubernetes" };
// Kubernetes auth, the default login: the platform's config names the API server; a consumer gets its mount.
const SETTINGS = { network: { namespace: "vault", podLabels: { "app.kubernetes.io/name": "vault" } } };

function args(platform: ProductionServiceArgs["platform"], vault: ProductionServiceArgs["vault"]): ProductionServiceArgs {
  return {
    environment: "production",
    config: billingServiceConfig(),
    namespace: { create: true, name: "billing" },
    platform,
    ingressController: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
    vault,
    projectRoot: __dirname,
  };
}

async function declared(serviceArgs: () => ProductionServiceArgs): Promise<DeclaredResource[]> {
  const { result } = await underMocks((resources) => {
    new ProductionService("billing", serviceArgs());
    return resources;
  });
  return result;
}

describe("ProductionService with another stack's values as Outputs", () => {
  let fromConfig: DeclaredResource[];
  let fromOutputs: DeclaredResource[];

  before(async () => {
    // The platform's own stack: every value a parsed, plain string.
    fromConfig = await declared(() =>
      args(platformEndpoints(NAMESPACES), vaultEnabledSchema.parse({ enabled: true, address: VAULT.address, kubernetesAuth: { host: "https://kubernetes.default.svc" }, ...SETTINGS })),
    );
    // A consumer's stack: the same values, each arriving as an Output, as a StackReference hands them over.
    fromOutputs = await declared(() => {
      const vault = pulumi.output(VAULT);
      return args(servicePlatformEndpoints(pulumi.output(NAMESPACES)), {
        ...vaultServiceSettingsSchema.parse({ enabled: true, ...SETTINGS }),
        address: vault.address,
        kvMount: { path: vault.kvMount },
        approleMount: { path: vault.approleMount },
        kubernetesMount: { path: vault.kubernetesMount },
        kubernetesAuth: { reviewer: "vault" },
      });
    });
  });

  it("declares the same resources", () => {
    const names = (resources: DeclaredResource[]) => resources.map((resource) => `${resource.type} ${resource.name}`).sort();
    assert.deepEqual(names(fromOutputs), names(fromConfig));
  });

  it("renders the same objects, byte for byte: the env checksum is over the resolved values", () => {
    const rendered = (resources: DeclaredResource[]) => JSON.stringify(kubernetesObjects(resources).sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`)));
    assert.equal(rendered(fromOutputs), rendered(fromConfig));
    const deployment = kubernetesObjects(fromOutputs).find((object) => object.kind === "Deployment") as any;
    assert.match(deployment.spec.template.metadata.annotations[checksumAnnotationKey("config")], /^[0-9a-f]{64}$/);
  });

  it("selects the platform's pods by the resolved namespace in its NetworkPolicy", () => {
    const policy = kubernetesObjects(fromOutputs).find((object) => object.kind === "NetworkPolicy" && object.metadata.name === "billing") as any;
    const namespaces = [...policy.spec.ingress, ...policy.spec.egress].flatMap((rule: any) => [...(rule.from ?? []), ...(rule.to ?? [])]).map((peer: any) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]);
    assert.ok(namespaces.includes("observability"), `peers: ${namespaces.join(", ")}`);
  });
});
