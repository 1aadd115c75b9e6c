import * as pulumi from "@pulumi/pulumi";
import type { KubernetesObject } from "../../policy/kubernetes";
import { kubernetesObjects } from "../../scripts/lib/manifests";
import { blueprintMocks, type DeclaredResource, GeneratedSecrets } from "../../scripts/lib/mocks";
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

/**
 * Runs `declare` under the blueprint's mocks, in the same queue as the program runs, for a test that builds
 * components by hand (with args the config schema would never let through, say). Every rejection Node
 * reports as unhandled meanwhile is collected, not left to fail whichever test runs next: a component that
 * fails inside an Output fails every resource built from it, each one unhandled.
 */
export function underMocks<T>(declare: (resources: DeclaredResource[]) => T | Promise<T>): Promise<{ result: T; unhandled: unknown[] }> {
  const run = chain.then(async () => {
    const resources: DeclaredResource[] = [];
    pulumi.runtime.setMocks(blueprintMocks(resources, new GeneratedSecrets()), "production-blueprint", "test", false);
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", collect);
    try {
      const result = await declare(resources);
      // Registrations run on after the constructors return; let every one of them settle or fail.
      await new Promise((resolve) => setTimeout(resolve, 500));
      return { result, unhandled };
    } finally {
      process.off("unhandledRejection", collect);
    }
  });
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
