import * as path from "node:path";

/**
 * Set by `npm run local` (scripts/local.sh) when the local cluster is up: the local stack then deploys into
 * that cluster, through this kubeconfig, instead of rendering files. Read only for the local stack, so no
 * environment variable can redirect staging or production.
 */
export const LOCAL_CLUSTER_KUBECONFIG_ENV = "PRODUCTION_BLUEPRINT_LOCAL_CLUSTER_KUBECONFIG";

export interface KubernetesSettings {
  context?: string;
  kubeconfig?: string;
  renderYamlToDirectory?: string;
}

/** Where the Kubernetes provider sends objects: the provider's args, paths resolved against the project. */
export function kubernetesTarget(environment: string, settings: KubernetesSettings, projectRoot: string, env: NodeJS.ProcessEnv = process.env): KubernetesSettings {
  const localCluster = env[LOCAL_CLUSTER_KUBECONFIG_ENV];
  if (environment === "local" && localCluster) return { kubeconfig: path.resolve(projectRoot, localCluster) };
  return {
    ...(settings.renderYamlToDirectory ? { renderYamlToDirectory: path.resolve(projectRoot, settings.renderYamlToDirectory) } : {}),
    ...(settings.kubeconfig ? { kubeconfig: path.resolve(projectRoot, settings.kubeconfig) } : {}),
    ...(settings.context ? { context: settings.context } : {}),
  };
}
