import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The resource plugins the local stack loads (Vault is off there and its images are not built). */
export const LOCAL_STACK_PLUGINS = ["kubernetes", "random"] as const;

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
}

export interface EngineStatus {
  /** `pulumi version`, or undefined when there is no CLI on PATH. */
  cliVersion?: string;
  plugins: PluginStatus[];
  /** The CLI runs: programs can be previewed up to their first provider resource. */
  engine: boolean;
  /** The CLI and every plugin of the local stack are installed: `pulumi up -s local` can run. */
  ready: boolean;
  /** One line saying why, for people and for test skips. */
  reason: string;
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
export function decideStatus(cliVersion: string | undefined, installed: InstalledPlugin[], wanted: Record<string, string>): EngineStatus {
  const plugins = Object.entries(wanted).map(([name, version]) => ({
    name,
    wanted: version,
    installed: installed.some((plugin) => plugin.kind === "resource" && plugin.name === name && plugin.version.replace(/^v/, "") === version),
  }));
  if (!cliVersion) {
    return { plugins, engine: false, ready: false, reason: "no Pulumi CLI on PATH (bash scripts/install-pulumi-toolchain.sh builds it; docs/toolchain.md)" };
  }
  const missing = plugins.filter((plugin) => !plugin.installed);
  if (missing.length > 0) {
    const names = missing.map((plugin) => `pulumi-resource-${plugin.name} v${plugin.wanted}`).join(", ");
    return { cliVersion, plugins, engine: true, ready: false, reason: `Pulumi CLI ${cliVersion} is installed, but not the resource plugins ${names} (install them with your own Pulumi CLI, \`pulumi plugin install resource <name> <version>\`, or see docs/toolchain.md)` };
  }
  const names = plugins.map((plugin) => `${plugin.name} v${plugin.wanted}`).join(", ");
  return { cliVersion, plugins, engine: true, ready: true, reason: `Pulumi CLI ${cliVersion} with the resource plugins ${names}` };
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
  return decideStatus(cliVersion, listing ? (JSON.parse(listing) as InstalledPlugin[] | null) ?? [] : [], wanted);
}
