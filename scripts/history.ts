import { formatHistory, listHistory } from "./lib/history";
import { explainPulumiError } from "./lib/pulumiErrors";
import { selectStack, stackHistory } from "./lib/pulumiStack";
import { commandLine, defineCommand } from "./lib/usage";

export const HISTORY_COMMAND = defineCommand({
  command: "npm run history --",
  summary: "Lists a stack's updates, newest first, with the image of every service and the git commit each ran from.",
  doc: "docs/rollback.md",
  options: {
    stack: { type: "string", value: "NAME", required: true, help: "the stack whose history to list" },
    json: { type: "boolean", help: "print the entries as JSON instead of a table" },
  },
});

/** Lists a stack's updates with the image references and git commit of each (docs/rollback.md). */
async function main(stackName: string, json: boolean): Promise<void> {
  const stack = await selectStack(stackName);
  const entries = await listHistory({ history: () => stackHistory(stack) });
  console.log(json ? JSON.stringify(entries, null, 2) : formatHistory(stackName, entries));
}

const { values } = commandLine(HISTORY_COMMAND);
const stackName = values.stack as string;
main(stackName, values.json ?? false).catch((error: unknown) => {
  console.error(`history: ${explainPulumiError(error, stackName, process.env.PULUMI_BACKEND_URL)}`);
  process.exit(1);
});
