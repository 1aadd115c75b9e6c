import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { withResourceErrors } from "../resourceErrors";
import { APPROLE_COMPONENT_TYPE } from "./appRole";
import { SERVICE_POLICY_NAME, serviceRoleName, serviceSecretPath } from "./names";
import { declareServiceSecret } from "./serviceSecrets";
import { serviceTokenArgs } from "./serviceToken";
import type { ServiceVaultEnabledConfig } from "./serviceVault";

export interface VaultKubernetesRoleArgs {
  serviceName: string;
  /** The namespace and ServiceAccount of the service's pods: the only ones whose tokens the role accepts. */
  namespace: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
  vault: ServiceVaultEnabledConfig;
  kvMountPath: pulumi.Input<string>;
  kubernetesPath: pulumi.Input<string>;
}

/**
 * The role as Vault should hold it: the service's own ServiceAccount in its own namespace, tokens with the
 * rendered audience only, and the same token as an AppRole login gets (serviceToken.ts). The entity alias is
 * named after the ServiceAccount's UID (Vault's default, stated): a ServiceAccount deleted and recreated under
 * the same name is a new identity.
 */
export function kubernetesRoleArgs(args: VaultKubernetesRoleArgs): vault.kubernetes.AuthBackendRoleArgs {
  return {
    backend: args.kubernetesPath,
    roleName: serviceRoleName(args.serviceName),
    boundServiceAccountNames: [args.serviceAccountName],
    boundServiceAccountNamespaces: [args.namespace],
    audience: args.vault.kubernetesToken.audience,
    aliasNameSource: "serviceaccount_uid",
    ...serviceTokenArgs(args.vault),
  };
}

/**
 * One service's Vault identity with Kubernetes auth: its secret and a role on the Kubernetes auth mount that
 * its pods' projected ServiceAccount token logs in to. Nothing about it is stored in the cluster: no role_id,
 * no secret_id; the token is issued to the pod by the kubelet, short-lived, for Vault's audience only.
 */
export class VaultKubernetesRole extends pulumi.ComponentResource {
  readonly secretPath: string;
  readonly policyName: string;
  readonly role: vault.kubernetes.AuthBackendRole;
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: VaultKubernetesRoleArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("blueprint:vault:KubernetesRole", name, {}, opts);
    this.secretPath = serviceSecretPath(args.serviceName);
    // A service that logged in with AppRole before keeps its secret and api_key: they lived in that component.
    const previousParent = pulumi.createUrn(name, APPROLE_COMPONENT_TYPE, opts.parent);
    declareServiceSecret(name, { kvMountPath: args.kvMountPath, secretPath: this.secretPath }, this, previousParent);
    this.role = new vault.kubernetes.AuthBackendRole(`${name}-role`, withResourceErrors(this, () => kubernetesRoleArgs(args)), { parent: this });
    this.policyName = SERVICE_POLICY_NAME;
    this.roleName = this.role.roleName;
    this.registerOutputs({ policyName: this.policyName, roleName: this.roleName });
  }
}
