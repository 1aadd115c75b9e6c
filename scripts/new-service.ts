import { CONVENTIONS, RUNTIMES } from "../components/service/workloadSchema";
import { addService, NewServiceError } from "./lib/newService";
import { PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand, usageError } from "./lib/usage";

export const NEW_SERVICE_COMMAND = defineCommand({
  command: "npm run new-service --",
  summary: "Scaffolds a service: one validated entry under services in each chosen stack file, sized like that stack's first service. A stack that already has the service is left as it is.",
  doc: "docs/new-service.md",
  options: {
    stack: { type: "string", value: "NAME", multiple: true, help: "add it to Pulumi.NAME.yaml only (default: every committed stack file)" },
    port: { type: "string", value: "N", help: "the port the service listens on (default 8000)" },
    image: { type: "string", value: "REF", help: "the image reference, <registry>/<name>:<tag> (default: the first service's registry, tag 0.1.0)" },
    namespace: { type: "string", value: "NS", help: "a namespace of its own instead of the shared apps namespace (not a reserved one)" },
    "readiness-path": { type: "string", value: "PATH", help: "the path that answers 2xx when the service can take traffic (required unless --conventions blueprint)" },
    "liveness-path": { type: "string", value: "PATH", help: "the path that answers 2xx while the process is alive (default: a TCP connect to the port)" },
    "metrics-path": { type: "string", value: "PATH", help: "where the image serves Prometheus metrics on its port (default: not scraped)" },
    runtime: { type: "string", value: "node|jvm|none", help: "runtime flags sized from the memory limit (default none)" },
    conventions: { type: "string", value: "blueprint", help: "the image follows the platform's service conventions, as app/ does (docs/service.md)" },
  },
  positionals: { synopsis: "<name>", help: "the service's name, a DNS label", count: 1 },
});

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) usageError(NEW_SERVICE_COMMAND, `--port must be a whole number, got '${text}'`);
  return Number(text);
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  return usageError(NEW_SERVICE_COMMAND, `${option} must be one of ${allowed.join(", ")}, got '${value}'`);
}

/** Scaffolds a service: one validated entry in each chosen stack file (docs/new-service.md). */
function main(): void {
  const { values, positionals } = commandLine(NEW_SERVICE_COMMAND);
  const [name] = positionals;
  const port = parsePort(values.port);
  const { written, unchanged } = addService(PROJECT_ROOT, {
    name,
    ...(port !== undefined ? { port } : {}),
    ...(values.image ? { image: values.image } : {}),
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.stack ? { stacks: values.stack } : {}),
    ...(values["readiness-path"] ? { readinessPath: values["readiness-path"] } : {}),
    ...(values["liveness-path"] ? { livenessPath: values["liveness-path"] } : {}),
    ...(values["metrics-path"] ? { metricsPath: values["metrics-path"] } : {}),
    ...(values.runtime ? { runtime: oneOf("--runtime", values.runtime, RUNTIMES) } : {}),
    ...(values.conventions ? { conventions: oneOf("--conventions", values.conventions, CONVENTIONS) } : {}),
  });
  console.log(`added service '${name}' to ${written.join(", ")}`);
  if (unchanged.length) console.log(`left unchanged (they already have '${name}'): ${unchanged.join(", ")}`);
  console.log("next: review the entries (image, sizing, ingress, allowFrom), then `npm run render -- --stack staging` and commit");
}

try {
  main();
} catch (error) {
  console.error(error instanceof NewServiceError ? `new-service: ${error.message}` : `new-service failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
