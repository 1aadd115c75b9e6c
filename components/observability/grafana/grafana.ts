import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { declareConfigMap, declareSecret, servicePort } from "../../k8s/controllers";
import { type WorkloadIdentity, checksumOf, metadataOf } from "../../k8s/objectMeta";
import { declareWorkload } from "../../k8s/workload";
import type { SystemArgs } from "../componentArgs";
import type { DashboardModel } from "./datasources";
import { declareTargetPolicy, type grafanaFlows } from "./grafanaFlows";

type GrafanaFlows = ReturnType<typeof grafanaFlows>;
import {
  type DatasourceTargets,
  GRAFANA_RUN_AS,
  GRAFANA_SECRET_KEYS,
  PROVISIONING_FILES,
  dashboardConfigMaps,
  dashboardProviderYaml,
  datasourcesYaml,
  grafanaContainer,
  grafanaDatasources,
  grafanaIni,
  grafanaIngressSpec,
  GRAFANA_LINT_EXEMPTIONS,
  grafanaSettings,
} from "./grafanaConfig";

export interface GrafanaArgs extends SystemArgs<"grafana"> {
  datasources: DatasourceTargets;
  dashboards: DashboardModel[];
  flows: GrafanaFlows;
  /** The Elasticsearch setup Job, which creates Grafana's reader user (when the log pipeline runs). */
  dependsOn: pulumi.Resource[];
}

/**
 * Grafana, provisioned from files only: datasources with fixed UIDs, and the platform's dashboards from one
 * ConfigMap each. Stateless: its database lives on an emptyDir and is rebuilt from those files at every start.
 */
export class Grafana extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  /** The admin's generated password (a Pulumi secret). */
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:observability:Grafana", name, {}, opts);
    const { endpoint, config: sizing } = args;
    const identity: WorkloadIdentity = { name: endpoint.serviceName, component: "dashboards", namespace: args.namespace };
    const { logs } = args.datasources;

    // The resource names are the values' identity in state: a new name is a new password or key.
    const generated = (resource: string) => new random.RandomPassword(`${name}-${resource}`, { length: 32, special: false }, { parent: this }).result;
    this.adminPassword = pulumi.secret(generated("admin-password"));
    const secretName = `${identity.name}-secrets`;
    const secretData = { [GRAFANA_SECRET_KEYS.adminPassword]: this.adminPassword, [GRAFANA_SECRET_KEYS.secretKey]: pulumi.secret(generated("secret-key")) };
    declareSecret(identity, secretName, secretData, { parent: this, resourceName: `${secretName}-secret` });

    const settings = grafanaSettings(endpoint.port, sizing.ingress?.host);
    const settingsConfigMap = declareConfigMap(identity, `${identity.name}-settings`, { "grafana.ini": grafanaIni(settings) }, { parent: this });
    const provisioning = { [PROVISIONING_FILES.datasources]: datasourcesYaml(grafanaDatasources(args.datasources)), [PROVISIONING_FILES.dashboards]: dashboardProviderYaml() };
    const provisioningConfigMap = declareConfigMap(identity, `${identity.name}-provisioning`, provisioning, { parent: this });
    const dashboards = dashboardConfigMaps(args.dashboards).map((dashboard) => ({
      uid: dashboard.uid,
      volume: dashboard.objectName,
      objectName: declareConfigMap(identity, dashboard.objectName, { [dashboard.fileName]: dashboard.json }, { parent: this }).metadata.name,
      json: dashboard.json,
    }));

    const grafana = declareWorkload({
      identity,
      parent: this,
      controller: { kind: "Deployment", replicas: sizing.replicas },
      runAs: GRAFANA_RUN_AS,
      containers: [
        grafanaContainer(sizing, endpoint.port, {
          settingsConfigMap: settingsConfigMap.metadata.name,
          provisioningConfigMap: provisioningConfigMap.metadata.name,
          secret: secretName,
          dashboards,
          logs,
        }),
      ],
      // Grafana reads its settings and provisioning at start only: a change rolls the pod.
      template: { checksums: { settings: checksumOf(settings), provisioning: checksumOf(provisioning), dashboards: checksumOf(dashboards.map((dashboard) => dashboard.json)) } },
      lintExemptions: GRAFANA_LINT_EXEMPTIONS,
      services: [{ ports: [servicePort("http", endpoint.port)] }],
      flows: args.flows.grafana,
      dependsOn: args.dependsOn,
    });
    for (const target of args.flows.targets) declareTargetPolicy(target, args.namespace, this);
    if (sizing.ingress) {
      new k8s.networking.v1.Ingress(`${identity.name}-ingress`, { metadata: metadataOf(identity), spec: grafanaIngressSpec(endpoint.serviceName, sizing.ingress) }, { parent: this });
    }
    this.deployment = grafana.controller as k8s.apps.v1.Deployment;
    this.registerOutputs({ adminPassword: this.adminPassword });
  }
}
