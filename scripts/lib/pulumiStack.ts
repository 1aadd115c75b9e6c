import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ConfigMap, UpdateRecord } from "./history";
import type { RollbackStack } from "./rollback";
import { LOCAL_STACK_PASSPHRASE } from "../../toolchain/pulumi/engine-status";
import { configuredBackend, explainPulumiError, PulumiSetupError, requireBackend } from "./pulumiErrors";
import { PROJECT_ROOT } from "./stackFile";
import { PROJECT } from "../../components/stackConfig";

/**
 * The local stack always keeps its state in .pulumi-state/ under its fixed, non-secret passphrase, exactly
 * as scripts/pulumi-local.sh runs it; every other stack uses the backend and passphrase the environment
 * names (PULUMI_BACKEND_URL, e.g. the s3:// bucket CI deploys with, and PULUMI_CONFIG_PASSPHRASE).
 */
function backendEnvironment(stackName: string): Record<string, string> {
  if (stackName !== "local") return {};
  const stateDir = path.join(PROJECT_ROOT, ".pulumi-state");
  fs.mkdirSync(stateDir, { recursive: true });
  return { PULUMI_BACKEND_URL: `file://${stateDir}`, PULUMI_CONFIG_PASSPHRASE: LOCAL_STACK_PASSPHRASE };
}

/** The backend a stack's commands run against; refuses when none is configured. */
export function stackBackend(stackName: string): string {
  return backendEnvironment(stackName).PULUMI_BACKEND_URL ?? requireBackend(configuredBackend(process.env, PROJECT_ROOT));
}

/**
 * Selects the stack in its backend. A missing backend, login, CLI or stack becomes a PulumiSetupError of one
 * line that says what is missing (scripts/lib/pulumiErrors.ts).
 */
export async function selectStack(stackName: string): Promise<Stack> {
  const backend = stackBackend(stackName);
  try {
    return await LocalWorkspace.selectStack({ stackName, workDir: PROJECT_ROOT }, { envVars: backendEnvironment(stackName) });
  } catch (error) {
    throw new PulumiSetupError(explainPulumiError(error, stackName, backend));
  }
}

/** The history as the engine records it, without secret values (for listing). */
export async function stackHistory(stack: Stack): Promise<UpdateRecord[]> {
  return stack.history(undefined, undefined, false);
}

/**
 * What every engine run of a rollback carries, as deploy.yml's do: the repository's policy pack (a restored
 * config that breaks policy must fail, not ship) and a refresh (so the diff is against the cluster as it is).
 */
export const ROLLBACK_ENGINE_OPTIONS = { policyPacks: [path.join(PROJECT_ROOT, "policy")], refresh: true } as const;

/**
 * A stack that renders YAML into a directory (the local stack's default) has no cluster to refresh against:
 * the provider cannot read a rendered object back, so a refresh fails the rollback. Its render is rewritten
 * whole by the update, so there is no drift to find either.
 */
export function rendersToDirectory(config: ConfigMap): boolean {
  const kubernetes = config[`${PROJECT}:kubernetes`]?.value;
  if (kubernetes === undefined) return false;
  try {
    return typeof (JSON.parse(kubernetes) as { renderYamlToDirectory?: unknown }).renderYamlToDirectory === "string";
  } catch {
    return false;
  }
}

/**
 * A real stack behind the rollback interface. Config is written with `config set-all --json`, which keeps
 * map values as YAML maps in Pulumi.<stack>.yaml; plain setAllConfig would flatten them into JSON strings.
 */
export function rollbackStack(stack: Pick<Stack, "name" | "history" | "getAllConfig" | "setAllConfigJson" | "removeAllConfig" | "preview" | "up">, warn: (line: string) => void): RollbackStack {
  return {
    name: stack.name,
    async history() {
      try {
        return await stack.history(undefined, undefined, true);
      } catch (error) {
        warn(`could not decrypt the secrets in the stack history (${(error as Error).message.trim().split("\n").pop()}); continuing without them`);
        return stack.history(undefined, undefined, false);
      }
    },
    getAllConfig: () => stack.getAllConfig() as Promise<ConfigMap>,
    setAllConfig: (config) => stack.setAllConfigJson(JSON.stringify(config)),
    removeAllConfig: (keys) => stack.removeAllConfig(keys),
    // The restored config decides: a version that rendered to a directory has no cluster to refresh against.
    preview: async () => {
      const refresh = !rendersToDirectory((await stack.getAllConfig()) as ConfigMap);
      return stack.preview({ ...ROLLBACK_ENGINE_OPTIONS, refresh, policyPacks: [...ROLLBACK_ENGINE_OPTIONS.policyPacks], diff: true, color: "never" });
    },
    up: async (message) => {
      const refresh = !rendersToDirectory((await stack.getAllConfig()) as ConfigMap);
      return stack.up({ ...ROLLBACK_ENGINE_OPTIONS, refresh, policyPacks: [...ROLLBACK_ENGINE_OPTIONS.policyPacks], message, color: "never", onOutput: (out) => process.stdout.write(out) });
    },
  };
}
