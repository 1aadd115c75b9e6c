import { probeEngine } from "../../../toolchain/pulumi/engine-status";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";

/** What the `pulumi` on PATH can do; decided once, before any test. */
export const engineStatus = probeEngine(PROJECT_ROOT);

/** Mocha root hook (--require): say what runs, and which plugins are stand-ins, before the first test. */
export const mochaHooks = {
  beforeAll(): void {
    console.log(`e2e engine: ${engineStatus.reason}`);
    for (const line of engineStatus.standIns) console.log(`  ${line}`);
  },
};

/** The engine tests never skip: a missing toolchain fails them, naming what is missing. */
export function requireEngine(): void {
  if (!engineStatus.ready) throw new Error(`the engine cannot run here: ${engineStatus.reason}`);
}
