import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment, ServiceConfig } from "../configSchema";
import { declareConfigMap } from "../k8s/controllers";
import { ENROLLED } from "../k8s/enrolment";
import { SERVICE_COMPONENT, selectorLabels } from "../k8s/labels";
import { declareSecureNamespace } from "../k8s/namespace";
import type { Flow, NetworkPeer, PodPeer } from "../k8s/network";
import { type WorkloadIdentity, checksumOf, metadataOf } from "../k8s/objectMeta";
import { declareWorkload } from "../k8s/workload";
import { clusterHost, type ServicePlatformEndpoints } from "../platformEndpoints";
import { asResourceError, withResourceErrors } from "../resourceErrors";
import { SYSTEM_NAMESPACES } from "../reservedNamespaces";
import type { ServiceVaultConfig, ServiceVaultEnabledConfig } from "../vault/serviceVault";
import { vaultEnvironmentIssues } from "../vault/configSchema";
import { provisionCredentials } from "./credentials";
import { serviceEnv } from "./env";
import { imageExemptions, resolveImage } from "./image";
import { SERVICE_PORT, SERVICE_RUN_AS, hpaSpec, ingressSpec, scrapeTarget, serviceContainer, serviceFlows, servicePorts, shutdownTimeline } from "./manifests";

export interface ProductionServiceArgs {
  environment: Environment;
  config: ServiceConfig;
  /** Create a restricted namespace of its own, or deploy into an existing (platform-created) one. */
  namespace: { create: true; name: string } | { create: false; name: pulumi.Input<string> };
  /** The platform's endpoints, or `servicePlatformEndpoints` of another stack's namespaces (Outputs). */
  platform: ServicePlatformEndpoints;
  ingressController: PodPeer;
  /** Other services allowed to call this one (from config `allowFrom`). */
  allowedCallers?: NetworkPeer[];
  /** Services that list this one in their `allowFrom`: without egress to them the call dies at this end. */
  allowedCallees?: Flow[];
  /** The parsed `vault` config, or a consumer's settings with the platform's address and mounts (Inputs). */
  vault: ServiceVaultConfig;
  /** The mounts as declared resources, so the AppRole waits for them; unset, the paths in `vault` are used. */
  vaultMounts?: { kvMountPath: pulumi.Input<string>; approlePath: pulumi.Input<string>; kubernetesPath: pulumi.Input<string> };
  /** Root the image build context in config is relative to. */
  projectRoot: string;
}

export interface ProductionServiceOutputs {
  namespace: pulumi.Output<string>;
  serviceName: pulumi.Output<string>;
  url: pulumi.Output<string>;
  image: pulumi.Output<string>;
  hpa: { minReplicas: number; maxReplicas: number };
}

/**
 * The platform's environment rules for Vault (vaultEnvironmentIssues), for a consumer's settings too, which
 * never pass through the platform's stack config. An address that is another stack's Output was checked there.
 */
function checkVaultForEnvironment(environment: string, vault: ServiceVaultEnabledConfig, parent: pulumi.Resource): void {
  const address = typeof vault.address === "string" ? { address: vault.address } : {};
  const issues = vaultEnvironmentIssues(environment, { ...address, authMethod: vault.authMethod, ...(vault.secretId ? { secretId: vault.secretId } : {}) });
  if (issues.length > 0) throw asResourceError(new Error(issues.map((issue) => `vault.${issue.key}: ${issue.message}`).join("; ")), parent);
}

/** One service deployed the production way (docs/service.md): every object it needs, locked down by default. */
export class ProductionService extends pulumi.ComponentResource implements ProductionServiceOutputs {
  readonly namespace: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly hpa: { minReplicas: number; maxReplicas: number };

  constructor(name: string, args: ProductionServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:service:ProductionService", name, {}, opts);
    const config = args.config;
    // A namespace of its own is enrolled in the platform's observability; an existing one must carry the label.
    const own = args.namespace;
    if (own.create && (SYSTEM_NAMESPACES as readonly string[]).includes(own.name)) {
      throw asResourceError(new Error(`namespace '${own.name}' is a Kubernetes system namespace: a service may not create or restrict it; name a namespace of its own`), this);
    }
    const namespace = args.namespace.create
      ? declareSecureNamespace(args.namespace.name, { level: "restricted" }, { parent: this }, ENROLLED).name
      : pulumi.output(args.namespace.name);
    const identity: WorkloadIdentity = { name, component: SERVICE_COMPONENT, namespace };
    const image = resolveImage(name, config.image, args.projectRoot, this);
    if (args.vault.enabled) checkVaultForEnvironment(args.environment, args.vault, this);
    // The workload's ServiceAccount is named after the workload (k8s/workload.ts): the one a Vault role binds.
    const credentials = provisionCredentials({ serviceName: name, serviceAccountName: identity.name, namespace, vault: args.vault, ...(args.vaultMounts ?? {}) }, this);
    const env = withResourceErrors(this, () =>
      serviceEnv({ name, environment: args.environment, config, otlpEndpoint: args.platform.jaeger.otlpHttpEndpoint, credentialsEnv: credentials.env, credentialRefs: credentials.refs }),
    );
    // Over the values the pods will see: the same digest whether an entry was a string or an Output.
    const configChecksum = pulumi.output(env).apply((resolved) => checksumOf(resolved));
    const configMap = declareConfigMap(identity, `${name}-config`, env, { parent: this });
    const metrics = withResourceErrors(this, () => scrapeTarget(config));

    const workload = declareWorkload({
      identity,
      parent: this,
      // No replicas: the HPA owns the count.
      controller: { kind: "Deployment" },
      runAs: SERVICE_RUN_AS,
      containers: [withResourceErrors(this, () => serviceContainer({ name, config, image: image.ref, version: image.version, configMapName: `${name}-config`, mounts: credentials.mounts }))],
      terminationGracePeriodSeconds: shutdownTimeline(config).terminationGracePeriodSeconds,
      // Soft anti-affinity at least: the HPA always runs two or more replicas (kube-score deployment-has-host-podantiaffinity).
      placement: config.topologySpread ? "spread" : "preferDifferentNodes",
      // Enrolled: the platform's Jaeger admits its traces and Prometheus discovers and scrapes it, by label. A
      // ConfigMap change alone would not restart pods; the checksum makes it roll them.
      // A service Prometheus does not scrape is still enrolled while it sends traces: Jaeger admits it by the label.
      template: { ...(metrics ? { metrics } : {}), enrolled: metrics !== undefined || config.otel, checksums: { config: configChecksum } },
      // The image is an Output (built, or read from config), so its digest exemption comes from config.
      lintExemptions: imageExemptions(config.image),
      services: [{ ports: servicePorts(config) }],
      flows: serviceFlows({ namespace, podLabels: selectorLabels(name) }, config, {
        // The ingress controller is a caller only of services that have an ingress.
        ingressController: config.ingress ? args.ingressController : undefined,
        prometheus: args.platform.prometheus,
        callers: args.allowedCallers ?? [],
        egress: [
          ...(config.otel ? [{ peer: args.platform.jaeger, ports: [{ port: args.platform.jaeger.otlpGrpcPort }, { port: args.platform.jaeger.otlpHttpPort }] }] : []),
          ...credentials.egress,
          ...(args.allowedCallees ?? []),
        ],
      }),
      dependsOn: [configMap, ...credentials.waitFor],
    });
    const service = workload.services[name];
    const metadata = metadataOf(identity);
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, { metadata, spec: hpaSpec(name, config) }, { parent: this, dependsOn: [workload.controller] });
    if (config.ingress) {
      new k8s.networking.v1.Ingress(`${name}-ingress`, { metadata, spec: ingressSpec(name, config.ingress) }, { parent: this, dependsOn: [service] });
    }

    this.namespace = namespace;
    this.serviceName = service.metadata.name;
    this.url = pulumi.interpolate`http://${namespace.apply((ns) => clusterHost(name, ns))}:${SERVICE_PORT}`;
    this.image = image.ref;
    this.hpa = { minReplicas: config.replicas.min, maxReplicas: config.replicas.max };
    this.registerOutputs({ namespace: this.namespace, serviceName: this.serviceName, url: this.url, image: this.image, hpa: this.hpa });
  }
}
