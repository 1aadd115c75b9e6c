import * as pulumi from "@pulumi/pulumi";
import type { BlueprintConfig } from "./stackConfig";
import { declareSecureNamespace } from "./k8s/namespace";
import { ENROLLED } from "./k8s/enrolment";
import { Observability } from "./observability/observability";
import { appWorkloads, platformEndpoints, type PlatformEndpoints } from "./platformEndpoints";
import { withResourceErrors } from "./resourceErrors";
import { declareVaultMounts, type VaultMounts } from "./vault/backends";

export interface PlatformArgs {
  config: BlueprintConfig;
}

/** What every service shares: the namespaces, the observability systems and the Vault mounts. */
export class Platform extends pulumi.ComponentResource {
  readonly namespaces: { apps: pulumi.Output<string>; observability: pulumi.Output<string>; logAgent: pulumi.Output<string> };
  readonly endpoints: PlatformEndpoints;
  readonly vaultMounts?: VaultMounts;
  readonly observability?: Observability;

  constructor(name: string, args: PlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:platform:Platform", name, {}, opts);
    const parent = { parent: this };
    const { namespaces, vault } = args.config;
    this.endpoints = platformEndpoints(namespaces);
    this.namespaces = {
      // The platform's own services run here: enrolled, so Jaeger and Prometheus admit their pods.
      apps: declareSecureNamespace(namespaces.apps, { level: "restricted" }, parent, ENROLLED).name,
      observability: declareSecureNamespace(namespaces.observability, { level: "restricted" }, parent).name,
      logAgent: declareSecureNamespace(
        namespaces.logAgent,
        { level: "privileged", reason: "The Vector agent reads /var/log/pods through a read-only hostPath, which 'restricted' forbids (docs/exemptions.md)." },
        parent,
      ).name,
    };
    if (args.config.observability.enabled) {
      this.observability = new Observability(
        "observability",
        {
          environment: args.config.environment,
          config: args.config.observability,
          endpoints: this.endpoints,
          namespaces: { observability: this.namespaces.observability, logAgent: this.namespaces.logAgent },
          appWorkloads: withResourceErrors(this, () => appWorkloads(args.config.services, namespaces.apps, args.config.objectives)),
        },
        parent,
      );
    }
    if (vault.enabled) this.vaultMounts = declareVaultMounts(vault, this);
    this.registerOutputs({ namespaces: this.namespaces });
  }
}
