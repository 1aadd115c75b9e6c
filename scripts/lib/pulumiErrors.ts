import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

/**
 * What history and rollback say when the Pulumi CLI cannot reach the stack. The Automation API throws a
 * CommandError whose message is the whole command result (exit code, stdout, stderr and the error again);
 * these turn it into the one thing the user has to do. The project deploys to a self-hosted backend
 * (PULUMI_BACKEND_URL, e.g. CI's s3:// bucket), so a missing login is never answered with Pulumi Cloud's
 * access token.
 */
export const LOGIN_HINT = "set PULUMI_BACKEND_URL or run `pulumi login <url>`";

export class PulumiSetupError extends Error {
  override name = "PulumiSetupError";
}

/** The backend the CLI will use, as the CLI picks it: PULUMI_BACKEND_URL, Pulumi.yaml's backend.url, then the stored login. */
export function configuredBackend(env: NodeJS.ProcessEnv, projectRoot: string): string | undefined {
  if (env.PULUMI_BACKEND_URL) return env.PULUMI_BACKEND_URL;
  try {
    const project = parse(fs.readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8")) as { backend?: { url?: string } } | null;
    if (project?.backend?.url) return project.backend.url;
  } catch {
    // No readable Pulumi.yaml: the CLI fails on that itself, with its own message.
  }
  const home = env.PULUMI_HOME ?? path.join(env.HOME ?? os.homedir(), ".pulumi");
  try {
    const credentials = JSON.parse(fs.readFileSync(path.join(home, "credentials.json"), "utf8")) as { current?: string };
    return credentials.current || undefined;
  } catch {
    return undefined;
  }
}

/** Refuses before any CLI runs when no backend is configured at all (the CLI would fall back to Pulumi Cloud). */
export function requireBackend(backend: string | undefined): string {
  if (!backend) throw new PulumiSetupError(`no Pulumi backend: ${LOGIN_HINT}`);
  return backend;
}

interface CommandFailure {
  name?: string;
  message?: string;
  commandResult?: { stderr?: string; stdout?: string; err?: Error };
}

/** The first line the CLI marked as its error, or the first non-empty line. */
function firstErrorLine(text: string): string | undefined {
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  return (lines.find((line) => line.startsWith("error:")) ?? lines[0])?.replace(/^error:\s*/, "");
}

/**
 * One line for a failed Pulumi CLI call made for `stack` against `backend`. Errors that did not come from the
 * CLI (a refused rollback, say) are returned as their own message.
 */
export function explainPulumiError(error: unknown, stack: string, backend: string | undefined): string {
  const failure = (error ?? {}) as CommandFailure;
  const result = failure.commandResult;
  if (result === undefined) return String(failure.message ?? error);
  const stderr = result.stderr ?? "";
  const spawnError = `${result.err?.message ?? ""}\n${stderr}`;
  if (/ENOENT/.test(spawnError) && /spawn pulumi|pulumi version/.test(spawnError)) {
    return "the Pulumi CLI is not installed (no `pulumi` on PATH): `npm run toolchain` builds the project's, or install your own";
  }
  if (failure.name === "StackNotFoundError" || /no stack named .* found/.test(stderr)) {
    return `stack '${stack}' does not exist in the backend ${backend ?? "(none configured)"}: check the stack name, or point PULUMI_BACKEND_URL at the backend that holds it`;
  }
  if (/PULUMI_ACCESS_TOKEN|not logged in|pulumi login|failed to log ?in|unauthorized|401/i.test(stderr)) {
    return `not logged in to the Pulumi backend${backend ? ` ${backend}` : ""}: ${LOGIN_HINT}`;
  }
  return `pulumi failed: ${firstErrorLine(stderr) ?? firstErrorLine(result.err?.message ?? "") ?? `exit code ${String((result as { code?: number }).code ?? "?")}`}`;
}
