import { probeEngine } from "../../../scripts/pulumi-toolchain/engineStatus";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";

/** What the `pulumi` on PATH can do; decided once, before any test. */
export const engineStatus = probeEngine(PROJECT_ROOT);

function mode(): string {
  if (engineStatus.ready) return "full: engine and the local stack's provider plugins";
  return engineStatus.engine ? "engine only: the provider plugins are missing" : "no engine";
}

/** Mocha root hook (--require): say which mode ran before the first test. */
export const mochaHooks = {
  beforeAll(): void {
    console.log(`e2e mode: ${mode()}\n  ${engineStatus.reason}`);
  },
};

/** Skips the running test with its reason printed, since mocha shows none for a skip. */
export function skipUnless(context: Mocha.Context, condition: boolean, reason: string): void {
  if (condition) return;
  console.log(`      skipped: ${reason}`);
  context.skip();
}
