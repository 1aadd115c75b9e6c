import { kubernetesObjects, type KubernetesObject } from "../../scripts/lib/manifests";
import type { RawStackConfig } from "../../components/stackConfig";
import { type MockRun, runBlueprint } from "../../scripts/lib/mockRun";

export type { KubernetesObject, MockRun };

// Runs are queued so two never share the mock monitor at once; a failed run does not stop the queue.
let chain: Promise<unknown> = Promise.resolve();
function queued(stack: string, raw?: RawStackConfig): Promise<MockRun> {
  const run = chain.then(() => runBlueprint(stack, raw));
  chain = run.catch(() => undefined);
  return run;
}

const cache = new Map<string, Promise<MockRun>>();

/** The program run under mocks for a committed stack file, once per process: every test file shares the result. */
export function stackRun(stack: string): Promise<MockRun> {
  let run = cache.get(stack);
  if (!run) {
    run = queued(stack);
    cache.set(stack, run);
  }
  return run;
}

/** Runs the program with an edited copy of a stack's config; never cached. */
export function runWith(stack: string, raw: RawStackConfig): Promise<MockRun> {
  return queued(stack, raw);
}

export function objectsOf(run: MockRun): KubernetesObject[] {
  return kubernetesObjects(run.resources);
}

export function findObject(run: MockRun, kind: string, name: string, namespace?: string): KubernetesObject {
  const matches = objectsOf(run).filter(
    (object) => object.kind === kind && object.metadata.name === name && (namespace === undefined || object.metadata.namespace === namespace),
  );
  if (matches.length !== 1) throw new Error(`expected one ${kind} '${name}'${namespace ? ` in ${namespace}` : ""}, found ${matches.length}`);
  return matches[0];
}

export function objectsOfKind(run: MockRun, kind: string): KubernetesObject[] {
  return objectsOf(run).filter((object) => object.kind === kind);
}

export const STACKS = ["local", "staging", "production"] as const;
