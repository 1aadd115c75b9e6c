/**
 * The service's env as the staging render gives it (its ConfigMap), after the loopback rewrite, with the
 * files the Deployment mounts laid out in a temporary directory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { toLoopback } from "./loopback";
import type { StagingRender } from "./render";

export const SERVICE = "items-api";
const IN_POD_VAULT_DIR = "/var/run/secrets/blueprint/vault";
const IN_POD_VAULT_TOKEN_DIR = "/var/run/secrets/blueprint/vault-token";
const IN_POD_CA_DIR = "/etc/blueprint/vault-ca";

export interface MountedFiles {
  /** Where the role-id and secret-id files live on the test host (the AppRole login). */
  vaultDir: string;
  /** Where the projected ServiceAccount token lives (the Kubernetes auth login). */
  tokenDir: string;
  caDir: string;
}

/** Creates the mount directories; a test writes the files (credentials it got from Vault, or placeholders). */
export function mountDirs(): MountedFiles {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "systems-mounts-"));
  const dirs = { vaultDir: path.join(root, "vault"), tokenDir: path.join(root, "vault-token"), caDir: path.join(root, "vault-ca") };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
  return dirs;
}

export function serviceEnv(render: StagingRender, mounts: MountedFiles, namespace = "apps"): Record<string, string> {
  const data = render.object("ConfigMap", namespace, `${SERVICE}-config`).data as Record<string, string>;
  const text = toLoopback(JSON.stringify(data), {
    hosts: ["jaeger-collector.observability.svc.cluster.local", "vault.vault.svc.cluster.local"],
    // Each login's files where the render names them: the AppRole's or the projected token's.
    paths: {
      ...(data.VAULT_ROLE_ID_FILE ? { [IN_POD_VAULT_DIR]: mounts.vaultDir } : {}),
      ...(data.VAULT_KUBERNETES_TOKEN_FILE ? { [IN_POD_VAULT_TOKEN_DIR]: mounts.tokenDir } : {}),
      ...(data.VAULT_CA_CERT_FILE ? { [IN_POD_CA_DIR]: mounts.caDir } : {}),
    },
  });
  return JSON.parse(text) as Record<string, string>;
}

/**
 * Placeholder login files, for a test Vault is not part of: they satisfy the service's config check (the files
 * must be readable at start) whichever login the render uses, the projected token's or the AppRole's.
 */
export function writePlaceholderLogin(mounts: MountedFiles): void {
  fs.writeFileSync(path.join(mounts.tokenDir, "token"), "placeholder\n");
  for (const name of ["role-id", "secret-id"]) fs.writeFileSync(path.join(mounts.vaultDir, name), "placeholder\n");
}
