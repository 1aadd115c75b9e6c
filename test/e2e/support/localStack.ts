import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument, type Document } from "yaml";
import { LOCAL_STACK_PASSPHRASE } from "../../../toolchain/pulumi/engine-status";
import type { ProjectCopy } from "../../support/projectCopy";

/** What scripts/pulumi-local.sh sets, with the copy's own backend. */
export function localStackEnv(copy: ProjectCopy): Record<string, string> {
  return { PULUMI_BACKEND_URL: copy.backendUrl, PULUMI_CONFIG_PASSPHRASE: LOCAL_STACK_PASSPHRASE };
}

/** The copy's `local` stack through the Automation API, run by the `pulumi` on PATH (toolchain/pulumi/env.sh). */
export function localStack(copy: ProjectCopy): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack({ stackName: "local", workDir: copy.dir }, { envVars: localStackEnv(copy) });
}

/** Edits the copy's Pulumi.<stack>.yaml in place, keeping its comments. */
export function editStackFile(copy: ProjectCopy, stack: string, edit: (config: Document) => void): void {
  const file = path.join(copy.dir, `Pulumi.${stack}.yaml`);
  const document = parseDocument(fs.readFileSync(file, "utf8"));
  edit(document);
  fs.writeFileSync(file, document.toString());
}

export const SERVICE_KEY = ["config", "production-blueprint:services", "items-api"];

/** Drops the items-api memory limit: the config break every test of a broken stack uses. */
export function dropMemoryLimit(config: Document): void {
  config.deleteIn([...SERVICE_KEY, "resources", "limits", "memory"]);
}

/** The whole text of a failed Automation API command (message, stdout and stderr). */
export function failureText(error: unknown): string {
  const failure = error as { message?: string; stdout?: string; stderr?: string };
  return [failure.message, failure.stdout, failure.stderr].filter(Boolean).join("\n");
}
