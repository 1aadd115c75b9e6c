import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { type OpenApiSpec, kubeconformSchemas } from "./kubeconformSchemas";

const USAGE = "usage: tsx toolchain/manifest-tools/generate-kubeconform-schemas.ts --spec <swagger.json> --out <dir>";

/** Writes kubeconform's strict stand-alone schemas for one Kubernetes OpenAPI spec (run by install.sh beside it). */
function main(): void {
  const { values } = parseArgs({ options: { spec: { type: "string" }, out: { type: "string" } } });
  if (!values.spec || !values.out) throw new Error(`--spec and --out are required\n${USAGE}`);
  const spec = JSON.parse(fs.readFileSync(values.spec, "utf8")) as OpenApiSpec;
  const files = kubeconformSchemas(spec);
  fs.mkdirSync(values.out, { recursive: true });
  for (const file of files) fs.writeFileSync(path.join(values.out, file.fileName), JSON.stringify(file.schema));
  console.log(`${files.length} schemas written to ${values.out}`);
}

try {
  main();
} catch (error) {
  console.error(`schema generation failed: ${(error as Error).message}`);
  process.exit(1);
}
