import { parseArgs } from "node:util";
import { addService, NewServiceError } from "./lib/newService";
import { PROJECT_ROOT } from "./lib/stackFile";

const USAGE = "usage: npm run new-service -- <name> [--port N] [--image REF] [--namespace NS]";

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new NewServiceError(`--port must be a whole number, got '${text}'`);
  return Number(text);
}

/** Scaffolds a service: one validated entry in every stack file (docs/new-service.md). */
function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: "string" }, image: { type: "string" }, namespace: { type: "string" } },
  });
  if (positionals.length !== 1) throw new NewServiceError(`expected exactly one service name, got ${positionals.length}\n${USAGE}`);
  const port = parsePort(values.port);
  const files = addService(PROJECT_ROOT, {
    name: positionals[0],
    ...(port !== undefined ? { port } : {}),
    ...(values.image ? { image: values.image } : {}),
    ...(values.namespace ? { namespace: values.namespace } : {}),
  });
  console.log(`added service '${positionals[0]}' to ${files.join(", ")}`);
  console.log("next: review the entries (image, sizing, ingress, allowFrom), then `npm run render -- --stack staging` and commit");
}

try {
  main();
} catch (error) {
  const known = error instanceof NewServiceError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  console.error(`new-service: ${(error as Error).message}${known ? "" : `\n${USAGE}`}`);
  process.exit(1);
}
