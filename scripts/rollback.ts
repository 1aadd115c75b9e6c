import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import { gitWorkTree } from "./lib/git";
import { explainPulumiError, PulumiSetupError } from "./lib/pulumiErrors";
import { rollbackStack, selectStack } from "./lib/pulumiStack";
import { rollback, RollbackRefused, RollbackUpFailed, type Terminal } from "./lib/rollback";
import { PROJECT_ROOT } from "./lib/stackFile";
import { commandLine, defineCommand, USAGE_ERROR } from "./lib/usage";

export const ROLLBACK_COMMAND = defineCommand({
  command: "npm run rollback --",
  summary: "Rolls a stack back by replaying an earlier update's config (from its history) and running up, after a preview you confirm.",
  doc: "docs/rollback.md",
  options: {
    stack: { type: "string", value: "NAME", required: true, help: "the stack to roll back" },
    to: { type: "string", value: "VERSION", required: true, help: "the update to return to, a version from `npm run history -- --stack NAME`" },
    yes: { type: "boolean", help: "skip the preview and the question (for pipelines)" },
  },
});

function terminal(): Terminal {
  return {
    interactive: Boolean(process.stdin.isTTY),
    async confirm(question) {
      const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await prompt.question(question)).trim());
      } finally {
        prompt.close();
      }
    },
    log: (line) => console.log(line),
  };
}

/** Rollback by config replay through the Automation API (docs/rollback.md). */
async function main(stackName: string, to: number, yes: boolean): Promise<void> {
  const stack = rollbackStack(await selectStack(stackName), (line) => console.error(`warning: ${line}`));
  // Putting the config back re-encrypts secrets with fresh nonces; the saved bytes leave no diff at all.
  const stackFile = path.join(PROJECT_ROOT, `Pulumi.${stackName}.yaml`);
  const original = fs.existsSync(stackFile) ? fs.readFileSync(stackFile) : undefined;
  const putBack = () => original && fs.writeFileSync(stackFile, original);
  try {
    const outcome = await rollback(stack, gitWorkTree(PROJECT_ROOT), terminal(), { to, yes });
    if (!outcome.applied) {
      putBack();
      console.log(`rollback cancelled: ${outcome.reason}`);
    }
  } catch (error) {
    if (!(error instanceof RollbackUpFailed)) putBack();
    throw error;
  }
}

const { values } = commandLine(ROLLBACK_COMMAND);
const stackName = values.stack as string;
if (!/^[0-9]+$/.test(values.to as string)) {
  console.error(`rollback: --to must be a version number from \`npm run history -- --stack ${stackName}\`, got '${values.to}'`);
  process.exit(USAGE_ERROR);
}
main(stackName, Number(values.to), values.yes ?? false).catch((error: unknown) => {
  const verdict = error instanceof RollbackRefused ? "refused" : error instanceof PulumiSetupError ? "cannot start" : "failed";
  console.error(`rollback ${verdict}: ${explainPulumiError(error, stackName, process.env.PULUMI_BACKEND_URL)}`);
  process.exit(1);
});
