/**
 * Where toolchain/systems/install.sh put each program, and the versions it installed (toolchain/systems/versions.env).
 * A program that is missing is an error that says how to install it: test:systems never skips one silently.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { run } from "./processes";

export const REPO_ROOT = PROJECT_ROOT;

function versions(): Record<string, string> {
  const text = fs.readFileSync(path.join(REPO_ROOT, "toolchain/systems/versions.env"), "utf8");
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map(([, key, value]) => [key, value]));
}

export const VERSIONS = versions();

/** The same default as toolchain/lib/go-env.sh. */
export const SYSTEMS_DIR = path.join(
  process.env.PRODUCTION_BLUEPRINT_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "production-blueprint"),
  "systems",
);

function required(file: string, what: string): string {
  if (!fs.existsSync(file)) throw new Error(`${what} is not installed at ${file}: run bash toolchain/systems/install.sh`);
  return file;
}

export function onPath(command: string): string {
  const found = run("bash", ["-c", `command -v ${command}`]).output.trim();
  if (found === "") throw new Error(`${command} is not on PATH: run bash toolchain/systems/install.sh`);
  return found;
}

export const programs = {
  kafkaClasspath: () => `${required(path.join(SYSTEMS_DIR, `kafka-${VERSIONS.KAFKA_VERSION}`, "libs"), "Kafka")}/*`,
  jaeger: () => required(path.join(SYSTEMS_DIR, "bin", `jaeger-${VERSIONS.JAEGER_MODULE_VERSION}`), "Jaeger"),
  vault: () => required(path.join(SYSTEMS_DIR, "bin", `vault-${VERSIONS.VAULT_VERSION}`), "Vault"),
  kubeStateMetrics: () => required(path.join(SYSTEMS_DIR, "bin", `kube-state-metrics-${VERSIONS.KUBE_STATE_METRICS_VERSION}`), "kube-state-metrics"),
};

/** The built service (app/dist), as the container runs it: `node dist/src/main.js`. */
export function builtService(): string {
  return required(path.join(REPO_ROOT, "app/dist/src/main.js"), "the built service (npm --prefix app run build)");
}
