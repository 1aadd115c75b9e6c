import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { platformEndpoints } from "../../../components/platformEndpoints";
import { asResourceError, pinMessage, withResourceErrors } from "../../../components/resourceErrors";
import { ProductionService, type ProductionServiceArgs } from "../../../components/service/productionService";
import { VaultAppRole } from "../../../components/vault/appRole";
import { vaultEnabledSchema } from "../../../components/vault/configSchema";
import { underMocks } from "../../support/runs";
import { billingServiceConfig } from "../../support/billingService";

type Any = Record<string, any>;

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function vaultConfig(edit: (config: Any) => void = () => undefined) {
  const config = vaultEnabledSchema.parse({
    enabled: true,
    address: "https://vault.vault.svc.cluster.local:8200",
    network: { namespace: "vault", podLabels: { "app.kubernetes.io/name": "vault" } },
    authMethod: "approle",
    secretId: { ttl: "24h", numUses: 100, rotation: "2026-11", boundCidrs: ["10.0.0.0/8"] },
  });
  edit(config);
  return config;
}

function serviceArgs(edit: (args: Any) => void = () => undefined): ProductionServiceArgs {
  const args: ProductionServiceArgs = {
    environment: "staging",
    config: billingServiceConfig(),
    namespace: { create: false, name: "apps" },
    platform: platformEndpoints({ observability: "observability", logAgent: "log-agent" }),
    ingressController: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
    vault: vaultConfig(),
    projectRoot: __dirname,
  };
  edit(args);
  return args;
}

/** The assertion for an error a component raised: its message, and the component as the resource. */
function componentError(component: new (...args: any[]) => pulumi.Resource, message: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(pulumi.ResourceError.isInstance(error), `expected a ResourceError, got ${String(error)}`);
    assert.ok(error.resource instanceof component, `raised for ${error.resource?.constructor.name}, not a ${component.name}`);
    assert.match(error.message, message);
    return true;
  };
}

describe("input errors as ResourceErrors of the component", () => {
  describe("the wrapper", () => {
    class Probe extends pulumi.ComponentResource {}

    it("turns what a plain validator throws into the component's ResourceError, message and cause kept", async () => {
      const { result: error } = await underMocks(() => {
        const component = new Probe("blueprint:test:Probe", "probe");
        const original = new Error("'forever' is not a duration");
        try {
          withResourceErrors(component, () => {
            throw original;
          });
        } catch (caught) {
          assert.equal((caught as Any).resource, component);
          assert.equal((caught as Any).cause, original);
          return caught;
        }
        assert.fail("withResourceErrors swallowed the error");
      });
      assert.ok(pulumi.ResourceError.isInstance(error));
      assert.equal((error as Error).message, "'forever' is not a duration");
      assert.equal((error as Any).hideStack, true, "the message is the point, not a stack through our helpers");
    });

    it("passes a ResourceError through as it is, so a child component's error keeps naming the child", async () => {
      await underMocks(() => {
        const parent = new Probe("blueprint:test:Probe", "parent");
        const child = new pulumi.ResourceError("bad", new Probe("blueprint:test:Probe", "child", {}, { parent }));
        assert.equal(asResourceError(child, parent), child);
      });
    });

    it("keeps the message as written when the SDK prefixes it for each input it fails", () => {
      const error = pinMessage(new Error("stack 'a' is the production platform"));
      error.message = `error serializing property "metadata": ${error.message}`;
      assert.equal(error.message, "stack 'a' is the production platform");
    });
  });

  describe("ProductionService", () => {
    it("reports a memory limit that is not a quantity (past the schema) as its own error", async () => {
      await underMocks(() => {
        // The node runtime sizes its heap flags from the limit: the first place the value is read as a quantity.
        const args = serviceArgs((a) => Object.assign(a.config, { runtime: "node", resources: { ...a.config.resources, limits: { ...a.config.resources.limits, memory: "lots" } } }));
        assert.throws(() => new ProductionService("billing", args), componentError(ProductionService, /"lots" is not a Kubernetes quantity/));
      });
    });

    it("refuses a consumer's http:// Vault address and an unbounded secret_id outside local, naming the keys", async () => {
      await underMocks(() => {
        const args = serviceArgs((a) => {
          a.vault.address = "http://vault.vault.svc.cluster.local:8200";
          a.vault.secretId.numUses = 0;
        });
        assert.throws(
          () => new ProductionService("billing", args),
          componentError(ProductionService, /vault\.address: http:\/\/vault\.vault\.svc\.cluster\.local:8200 is plain http: .*; vault\.secretId\.numUses: 0 \(unlimited\) is refused in staging/),
        );
      });
    });

    it("refuses to create, and so restrict, a Kubernetes system namespace for the service", async () => {
      await underMocks(() => {
        const args = serviceArgs((a) => (a.namespace = { create: true, name: "kube-system" }));
        assert.throws(() => new ProductionService("billing", args), componentError(ProductionService, /namespace 'kube-system' is a Kubernetes system namespace/));
      });
    });

    it("refuses a CA for a Vault address that turns out to be http://, once the Output resolves", async () => {
      const { unhandled } = await underMocks(() => {
        const args = serviceArgs((a) => {
          a.vault.caCert = CA;
          a.vault.address = pulumi.output("http://vault.vault.svc.cluster.local:8200");
        });
        new ProductionService("billing", args);
      });
      assert.ok(unhandled.length > 0, "nothing failed");
      for (const error of unhandled) componentError(ProductionService, /^vault\.caCert is set but the address http:\/\/vault\.vault\.svc\.cluster\.local:8200 is http:\/\/: use https:\/\/ or drop caCert$/)(error);
    });
  });

  describe("VaultAppRole", () => {
    const roleArgs = (edit: (config: Any) => void, kvMountPath: pulumi.Input<string> = "secret") => ({
      serviceName: "billing",
      namespace: "apps",
      vault: vaultConfig(edit),
      secretId: vaultConfig(edit).secretId!,
      kvMountPath,
      approlePath: "approle",
    });

    it("reports a TTL that is not a duration (past the schema) as its own error", async () => {
      await underMocks(() => {
        assert.throws(() => new VaultAppRole("billing", roleArgs((c) => (c.tokenTtl = "forever"))), componentError(VaultAppRole, /'forever' is not a duration/));
      });
    });
  });
});
