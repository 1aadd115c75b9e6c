import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import { parseArgs } from "node:util";
import { gitWorkTree } from "./lib/git";
import { rollbackStack, selectStack } from "./lib/pulumiStack";
import { rollback, RollbackRefused, RollbackUpFailed, type Terminal } from "./lib/rollback";
import { PROJECT_ROOT } from "./lib/stackFile";

const USAGE = "usage: npm run rollback -- --stack <name> --to <version> [--yes]";

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
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stack: { type: "string" }, to: { type: "string" }, yes: { type: "boolean", default: false } } });
  if (!values.stack) throw new RollbackRefused(`--stack is required\n${USAGE}`);
  if (!values.to || !/^[0-9]+$/.test(values.to)) throw new RollbackRefused(`--to must be a version number from \`npm run history -- --stack ${values.stack}\`\n${USAGE}`);
  const stack = rollbackStack(await selectStack(values.stack), (line) => console.error(`warning: ${line}`));
  // Putting the config back re-encrypts secrets with fresh nonces; the saved bytes leave no diff at all.
  const stackFile = path.join(PROJECT_ROOT, `Pulumi.${values.stack}.yaml`);
  const original = fs.existsSync(stackFile) ? fs.readFileSync(stackFile) : undefined;
  const putBack = () => original && fs.writeFileSync(stackFile, original);
  try {
    const outcome = await rollback(stack, gitWorkTree(PROJECT_ROOT), terminal(), { to: Number(values.to), yes: values.yes });
    if (!outcome.applied) {
      putBack();
      console.log(`rollback cancelled: ${outcome.reason}`);
    }
  } catch (error) {
    if (!(error instanceof RollbackUpFailed)) putBack();
    throw error;
  }
}

main().catch((error: Error) => {
  console.error(`rollback ${error instanceof RollbackRefused ? "refused" : "failed"}: ${error.message}`);
  process.exit(1);
});
