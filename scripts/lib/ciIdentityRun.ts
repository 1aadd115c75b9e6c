import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CiIdentity, type CiIdentityOutputs } from "../../ci-identity/ciIdentity";
import { CI_IDENTITY_PROJECT, type CiIdentityConfig, parseCiIdentityConfig, readCiIdentityConfig } from "../../ci-identity/config";
import type { DeclaredResource } from "./mocks";
import { runUnderMocks } from "./mockProgram";
import { PROJECT_ROOT } from "./stackFile";

export const CI_IDENTITY_DIR = path.join(PROJECT_ROOT, "ci-identity");

/** ci-identity/Pulumi.<stack>.yaml's values by key, without the project prefix (the program holds no secret config). */
export function loadCiIdentityStackFile(stack: string): Record<string, unknown> {
  const file = path.join(CI_IDENTITY_DIR, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`the CI identity program has no stack file ${path.relative(PROJECT_ROOT, file)}`);
  const config = ((parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
  const prefix = `${CI_IDENTITY_PROJECT}:`;
  return Object.fromEntries(Object.entries(config).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
}

export interface CiIdentityRun {
  config: CiIdentityConfig;
  outputs: CiIdentityOutputs;
  resources: DeclaredResource[];
}

/** Runs ci-identity/index.ts's steps (read and validate config, declare the component) under mocks. */
export async function runCiIdentity(stack: string, values: Record<string, unknown> = loadCiIdentityStackFile(stack)): Promise<CiIdentityRun> {
  const run = await runUnderMocks({
    project: CI_IDENTITY_PROJECT,
    stack,
    values,
    program: () => {
      const config = parseCiIdentityConfig(readCiIdentityConfig(), stack);
      return { config, outputs: new CiIdentity("ci-identity", config).outputs };
    },
  });
  return { ...run.result, resources: run.resources };
}
