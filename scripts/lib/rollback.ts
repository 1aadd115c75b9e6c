import type { GitWorkTree } from "./git";
import { type ConfigMap, GIT_DIRTY, GIT_HEAD, type HistorySource, imageRefs, type UpdateRecord, withVersions } from "./history";

/** The Automation API calls a rollback makes; scripts/lib/pulumiStack.ts wires them to a real stack. */
export interface RollbackStack extends HistorySource {
  readonly name: string;
  /** Updates with their secret config values decrypted (value absent when that is impossible). */
  history(): Promise<UpdateRecord[]>;
  getAllConfig(): Promise<ConfigMap>;
  setAllConfig(config: ConfigMap): Promise<void>;
  removeAllConfig(keys: string[]): Promise<void>;
  preview(): Promise<{ stdout: string }>;
  up(message: string): Promise<{ summary: { version: number; result: string } }>;
}

export interface Terminal {
  /** False when stdin is not a terminal: nobody can answer a question. */
  readonly interactive: boolean;
  confirm(question: string): Promise<boolean>;
  log(line: string): void;
}

export interface RollbackRequest {
  to: number;
  yes: boolean;
}

export type RollbackOutcome = { applied: true; version: number } | { applied: false; reason: string };

export class RollbackRefused extends Error {
  override name = "RollbackRefused";
}

/** `up` itself failed: the stack config now holds the target's config, on purpose (see the message). */
export class RollbackUpFailed extends Error {
  override name = "RollbackUpFailed";
}

/**
 * Starts the message of every update a rollback makes. Such an update always runs with one uncommitted
 * change, the stack file the replay just wrote (a rollback only starts from a clean tree), so its
 * "dirty" flag does not stop a later rollback to it.
 */
export const ROLLBACK_MESSAGE = "npm run rollback:";

/** What the CLI writes for a secret value it could not decrypt (pkg/cmd/pulumi/stack/stack_history.go). */
export const UNDECRYPTABLE = "ERROR_UNABLE_TO_DECRYPT";

/**
 * Files whose differences config replay either undoes (this stack's config file, which it rewrites) or
 * that cannot change what `pulumi up` deploys. Everything else is code.
 */
export function replayableChange(file: string, stack: string): boolean {
  return file === `Pulumi.${stack}.yaml` || /^Pulumi\.[^/]+\.yaml$/.test(file) || /^(docs|test|\.github)\//.test(file) || /^[^/]+\.md$/.test(file);
}

function findTarget(updates: UpdateRecord[], stack: string, version: number): UpdateRecord {
  const target = updates.find((update) => update.version === version);
  const updatesOnly = updates.filter((update) => update.kind === "update");
  const succeeded = updatesOnly.filter((update) => update.result === "succeeded").map((update) => update.version);
  const hint = `see \`npm run history -- --stack ${stack}\`${succeeded.length ? `; updates that succeeded: ${succeeded.sort((a, b) => b - a).join(", ")}` : ""}`;
  if (!target) {
    const versions = updates.map((update) => update.version);
    const range = versions.length ? `versions ${Math.min(...versions)}–${Math.max(...versions)}` : "no updates at all";
    throw new RollbackRefused(`stack '${stack}' has no version ${version} (it has ${range}); ${hint}`);
  }
  if (target.kind !== "update") {
    throw new RollbackRefused(`version ${version} of stack '${stack}' was a ${target.kind}, not an update: only an update's config can be replayed; ${hint}`);
  }
  if (target.result !== "succeeded") {
    throw new RollbackRefused(`version ${version} of stack '${stack}' ${target.result === "failed" ? "failed" : `is ${target.result}`}: its config never deployed completely, so it is no state to return to; ${hint}`);
  }
  if (!target.config) throw new RollbackRefused(`version ${version} of stack '${stack}' recorded no config; there is nothing to replay`);
  return target;
}

function checkSecrets(target: UpdateRecord, stack: string): void {
  const lost = Object.entries(target.config ?? {})
    .filter(([, entry]) => entry.secret && (entry.value === undefined || entry.value === UNDECRYPTABLE))
    .map(([key]) => key);
  if (lost.length === 0) return;
  throw new RollbackRefused(
    [
      `version ${target.version}'s config holds secrets that cannot be restored: ${lost.sort().join(", ")}.`,
      `Stack history keeps secret config only encrypted, and these values could not be decrypted with stack '${stack}''s current secrets provider`,
      "(the passphrase or key changed since that update, or the credentials it needs are not set here: VAULT_ADDR and VAULT_TOKEN for Vault transit, PULUMI_CONFIG_PASSPHRASE for a passphrase).",
      "Replaying the config without them would deploy without those credentials, so nothing was changed. Either provide the secrets",
      `provider that encrypted them and rerun, or roll back by hand: set each key with \`pulumi config set --secret <key> -s ${stack}\`.`,
    ].join("\n"),
  );
}

async function checkCode(target: UpdateRecord, stack: string, git: GitWorkTree): Promise<void> {
  const version = target.version;
  const commit = target.environment?.[GIT_HEAD];
  if (!commit) {
    throw new RollbackRefused(
      `version ${version} recorded no git commit (it ran outside a git checkout), so the code it deployed cannot be identified; config replay restores config, not code`,
    );
  }
  if (target.environment?.[GIT_DIRTY] === "true" && !target.message?.startsWith(ROLLBACK_MESSAGE)) {
    throw new RollbackRefused(
      `version ${version} ran from commit ${commit} plus uncommitted changes: that code exists nowhere to check out, and config replay cannot restore code`,
    );
  }
  const dirty = await git.dirtyFiles();
  if (dirty.length > 0) {
    const shown = dirty.slice(0, 5).join(", ") + (dirty.length > 5 ? `, … (${dirty.length} files)` : "");
    throw new RollbackRefused(`the working tree has uncommitted changes (${shown}): commit or stash them and rerun; the code must be a commit to compare with ${commit}, which version ${version} deployed`);
  }
  const head = await git.head();
  if (head === undefined) throw new RollbackRefused("this directory is not a git checkout, so its code cannot be compared with the commit the update deployed");
  if (head === commit) return;
  const changed = await git.changedFiles(commit, head);
  if (changed === undefined) {
    throw new RollbackRefused(`version ${version} ran from commit ${commit}, which is not in this clone: run \`git fetch\`, then \`git switch --detach ${commit}\` and rerun`);
  }
  const code = changed.filter((file) => !replayableChange(file, stack));
  if (code.length > 0) {
    const shown = code.slice(0, 8).join(", ") + (code.length > 8 ? `, … (${code.length} files)` : "");
    throw new RollbackRefused(
      [
        `the code differs from commit ${commit}, which version ${version} deployed: ${shown}.`,
        "Config replay restores config, not code. Check out that commit first, then rerun this command:",
        `  git switch --detach ${commit}`,
      ].join("\n"),
    );
  }
}

/** One line per key that differs, with image changes spelled out; secret values are never shown. */
export function describeConfigChange(current: ConfigMap, target: ConfigMap): string[] {
  const keys = [...new Set([...Object.keys(current), ...Object.keys(target)])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const [now, then] = [current[key], target[key]];
    if (now?.value === then?.value && Boolean(now?.secret) === Boolean(then?.secret)) continue;
    lines.push(now === undefined ? `  + ${key} (restored)` : then === undefined ? `  - ${key} (removed)` : `  ~ ${key}${now.secret || then.secret ? " (secret)" : ""}`);
  }
  const [before, after] = [imageRefs(current), imageRefs(target)];
  for (const service of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (before[service] !== after[service]) lines.push(`      image ${service}: ${before[service] ?? "(none)"} -> ${after[service] ?? "(removed)"}`);
  }
  return lines;
}

/** Makes the stack's config exactly `config`: keys it lacks are removed, then every key is set. */
async function replaceConfig(stack: RollbackStack, current: ConfigMap, config: ConfigMap): Promise<void> {
  const extra = Object.keys(current).filter((key) => !(key in config));
  if (extra.length > 0) await stack.removeAllConfig(extra);
  await stack.setAllConfig(config);
}

/**
 * Rollback by config replay (docs/rollback.md): checks the target update, restores its config and runs
 * `up`. Without `yes`, it previews the restored config and asks; a "no" puts the current config back.
 */
export async function rollback(stack: RollbackStack, git: GitWorkTree, terminal: Terminal, request: RollbackRequest): Promise<RollbackOutcome> {
  if (!request.yes && !terminal.interactive) {
    throw new RollbackRefused("not running on a terminal, so the preview cannot be confirmed: rerun with --yes to roll back without asking");
  }
  const target = findTarget(withVersions(await stack.history()).updates, stack.name, request.to);
  checkSecrets(target, stack.name);
  await checkCode(target, stack.name, git);
  const config = target.config as ConfigMap;
  const current = await stack.getAllConfig();
  const changes = describeConfigChange(current, config);
  terminal.log(`rolling stack '${stack.name}' back to the config of version ${target.version} (${new Date(target.startTime).toISOString()}):`);
  terminal.log(changes.length ? changes.join("\n") : "  (the config is already the same; `up` reapplies it)");

  await replaceConfig(stack, current, config);
  if (!request.yes) {
    let approved = false;
    try {
      terminal.log((await stack.preview()).stdout);
      approved = await terminal.confirm(`Apply this rollback of stack '${stack.name}' to version ${target.version}? (y/N) `);
    } finally {
      if (!approved) await replaceConfig(stack, config, current);
    }
    if (!approved) return { applied: false, reason: "not confirmed; the stack config was put back as it was" };
  }
  let result: Awaited<ReturnType<RollbackStack["up"]>>;
  try {
    result = await stack.up(`${ROLLBACK_MESSAGE} config of version ${target.version} (commit ${target.environment?.[GIT_HEAD]})`);
  } catch (error) {
    const note = `the update failed; Pulumi.${stack.name}.yaml now holds version ${target.version}'s config (git diff shows it): fix the cause and rerun, or \`git checkout Pulumi.${stack.name}.yaml\` to go back`;
    throw new RollbackUpFailed(`${note}\n${(error as Error).message}`);
  }
  // DIY backends report version 0 for the new update too; it is then simply the newest entry.
  const recorded = result.summary.version > 0 ? `version ${result.summary.version}` : "the newest update in `npm run history`";
  terminal.log(`stack '${stack.name}' now runs version ${target.version}'s config, recorded as ${recorded} (${result.summary.result})`);
  return { applied: true, version: result.summary.version };
}
