import { parseArgs } from "node:util";
import { formatHistory, listHistory } from "./lib/history";
import { selectStack, stackHistory } from "./lib/pulumiStack";

const USAGE = "usage: npm run history -- --stack <name> [--json]";

/** Lists a stack's updates with the image references and git commit of each (docs/rollback.md). */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stack: { type: "string" }, json: { type: "boolean", default: false } } });
  if (!values.stack) throw new Error(`--stack is required\n${USAGE}`);
  const stack = await selectStack(values.stack);
  const entries = await listHistory({ history: () => stackHistory(stack) });
  console.log(values.json ? JSON.stringify(entries, null, 2) : formatHistory(values.stack, entries));
}

main().catch((error: Error) => {
  console.error(`history: ${error.message}`);
  process.exit(1);
});
