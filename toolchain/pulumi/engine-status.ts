import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Whether `pulumi up -s local` can run here, and why: the `pulumi` on PATH and the resource plugins the
 * local stack loads, at the versions package-lock.json pins. Imported by the e2e tests; run as
 * `tsx toolchain/pulumi/engine-status.ts [--json]` by scripts/local.sh and CI to choose their path.
 */

/** The resource plugins the local stack loads (Vault is off there and its images are not built). */
export const LOCAL_STACK_PLUGINS = ["kubernetes", "random", "tls"] as const;

/** The file toolchain/pulumi/install.sh puts into a stand-in plugin's directory. */
export const STANDIN_MARKER = "STAND-IN";

/**
 * The local stack's passphrase. Not a secret, on purpose: the local stack holds only throwaway values the
 * program generated (a random API key for a cluster that does not exist), and a fixed value lets anyone
 * run, roll back and destroy it. scripts/pulumi-local.sh sets the same value; staging and production
 * never use it (docs/toolchain.md, "The local stack").
 */
export const LOCAL_STACK_PASSPHRASE = "production-blueprint-local-stack-not-a-secret";

export interface PluginStatus {
  name: string;
  /** The version package-lock.json pins for @pulumi/<name>. */
  wanted: string;
  installed: boolean;
  /** The repository's stand-in plugin (toolchain/pulumi/standin-providers), not the real one. */
  standIn: boolean;
}

export interface EngineStatus {
  /** `pulumi version`, or undefined when there is no CLI on PATH. */
  cliVersion?: string;
  plugins: PluginStatus[];
  /** The CLI runs: programs can be previewed up to their first provider resource. */
  engine: boolean;
  /** The CLI and every plugin of the local stack are installed: `pulumi up -s local` can run. */
  ready: boolean;
  /** One line saying why, for people and for test failures. */
  reason: string;
  /** One line per stand-in plugin that will run, e.g. "random: stand-in plugin (real plugin not installed)". */
  standIns: string[];
}

export interface InstalledPlugin {
  name: string;
  kind: string;
  version: string;
}

/** The version of node_modules/@pulumi/<name> in package-lock.json. */
export function lockedVersion(name: string, lockfile: string): string {
  const lock = JSON.parse(fs.readFileSync(lockfile, "utf8")) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.[`node_modules/@pulumi/${name}`]?.version;
  if (!version) throw new Error(`@pulumi/${name} is not in ${lockfile}`);
  return version;
}

/** Decides from what is installed; no I/O, so every branch is unit-testable. */
export function decideStatus(
  cliVersion: string | undefined,
  installed: InstalledPlugin[],
  wanted: Record<string, string>,
  isStandIn: (name: string, version: string) => boolean = () => false,
): EngineStatus {
  const plugins = Object.entries(wanted).map(([name, version]) => {
    const present = installed.some((plugin) => plugin.kind === "resource" && plugin.name === name && plugin.version.replace(/^v/, "") === version);
    return { name, wanted: version, installed: present, standIn: present && isStandIn(name, version) };
  });
  const standIns = plugins.filter((plugin) => plugin.standIn).map((plugin) => `${plugin.name}: stand-in plugin (real plugin not installed)`);
  if (!cliVersion) {
    return { plugins, engine: false, ready: false, standIns, reason: "no Pulumi CLI on PATH (npm run toolchain builds it; docs/toolchain.md)" };
  }
  const missing = plugins.filter((plugin) => !plugin.installed);
  if (missing.length > 0) {
    const names = missing.map((plugin) => `pulumi-resource-${plugin.name} v${plugin.wanted}`).join(", ");
    return { cliVersion, plugins, engine: true, ready: false, standIns, reason: `Pulumi CLI ${cliVersion} is installed, but not the resource plugins ${names} (npm run toolchain builds them; with your own Pulumi CLI, \`pulumi plugin install resource <name> <version>\`; docs/toolchain.md)` };
  }
  const names = plugins.map((plugin) => `${plugin.name} v${plugin.wanted}${plugin.standIn ? " (stand-in)" : ""}`).join(", ");
  return { cliVersion, plugins, engine: true, ready: true, standIns, reason: `Pulumi CLI ${cliVersion} with the resource plugins ${names}` };
}

/** Whether the installed plugin NAME vVERSION under env's PULUMI_HOME is the repository's stand-in. */
export function standInProbe(env: NodeJS.ProcessEnv): (name: string, version: string) => boolean {
  const home = env.PULUMI_HOME ?? path.join(env.HOME ?? "", ".pulumi");
  return (name, version) => fs.existsSync(path.join(home, "plugins", `resource-${name}-v${version}`, STANDIN_MARKER));
}

function pulumi(args: string[], env: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync("pulumi", args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return undefined;
  }
}

/** Asks the `pulumi` on env's PATH what it is and which plugins it has. */
export function probeEngine(projectRoot: string, env: NodeJS.ProcessEnv = process.env): EngineStatus {
  const lockfile = path.join(projectRoot, "package-lock.json");
  const wanted = Object.fromEntries(LOCAL_STACK_PLUGINS.map((name) => [name, lockedVersion(name, lockfile)]));
  const cliVersion = pulumi(["version"], env);
  const listing = cliVersion ? pulumi(["plugin", "ls", "--json"], env) : undefined;
  return decideStatus(cliVersion, listing ? (JSON.parse(listing) as InstalledPlugin[] | null) ?? [] : [], wanted, standInProbe(env));
}

/**
 * Prints the reason, then one line per stand-in plugin that will run, and exits 0 only if the local stack
 * can run; `--json` prints the whole status instead.
 */
if (require.main === module) {
  const status = probeEngine(path.resolve(__dirname, "..", ".."));
  if (process.argv.includes("--json")) console.log(JSON.stringify(status));
  else for (const line of [status.reason, ...status.standIns]) console.log(line);
  process.exit(status.ready ? 0 : 1);
}
