import * as pulumi from "@pulumi/pulumi";
import { blueprintMocks, type DeclaredResource, GeneratedSecrets } from "./mocks";

/**
 * The accessor a mocked auth mount gets, as the backend's `accessor` output or from the `getAuthBackend`
 * data source: Vault's shape (`auth_<type>_<hex>`, which the services' policy template requires) with a
 * recognisable marker and the mount's path in hex, so a test that applies a render to a real Vault
 * (test/systems/support/vaultApplier.ts) can find it in any input and put the real one in its place.
 */
const MOCK_ACCESSOR_MARKER = "0000";
export type MockAuthType = "approle" | "kubernetes";

export function mockAuthAccessor(mountPath: string, type: MockAuthType = "approle"): string {
  return `auth_${type}_${MOCK_ACCESSOR_MARKER}${Buffer.from(mountPath, "utf8").toString("hex")}`;
}

/** Every mocked accessor in a text, with the mount path it stands for. */
export function mockAccessorsIn(text: string): { accessor: string; mountPath: string }[] {
  return [...text.matchAll(new RegExp(`auth_(?:approle|kubernetes)_${MOCK_ACCESSOR_MARKER}((?:[0-9a-f]{2})+)`, "g"))].map(([accessor, hex]) => ({ accessor, mountPath: Buffer.from(hex, "hex").toString("utf8") }));
}

/**
 * The data source is asked by path alone, so the mock tells the kinds apart by the path's name: one that
 * names kubernetes or k8s is a Kubernetes auth mount (as every stack here names them), any other AppRole.
 */
function mountTypeOf(mountPath: string): MockAuthType {
  return /kubernetes|k8s/.test(mountPath) ? "kubernetes" : "approle";
}

const AUTH_BACKEND = "vault:index/authBackend:AuthBackend";
const GET_AUTH_BACKEND = "vault:index/getAuthBackend:getAuthBackend";

/** The blueprint's mocks plus what Vault computes for an auth mount: its accessor, on the resource and the data source. */
function programMocks(resources: DeclaredResource[], secrets: GeneratedSecrets): pulumi.runtime.Mocks {
  const mocks = blueprintMocks(resources, secrets);
  return {
    async newResource(args) {
      const answer = await mocks.newResource(args);
      if (args.type !== AUTH_BACKEND) return answer;
      const type = args.inputs.type === "kubernetes" ? "kubernetes" : "approle";
      return { ...answer, state: { ...answer.state, accessor: mockAuthAccessor(String(args.inputs.path ?? args.inputs.type), type) } };
    },
    call(args) {
      if (args.token !== GET_AUTH_BACKEND) return mocks.call(args);
      const mountPath = String(args.inputs.path);
      const type = mountTypeOf(mountPath);
      return { id: mountPath, path: mountPath, type, accessor: mockAuthAccessor(mountPath, type), description: "", local: false, defaultLeaseTtlSeconds: 0, maxLeaseTtlSeconds: 0, listingVisibility: "" };
    },
  };
}

export interface ProgramRun<T> {
  /** Every resource the program declared, with its inputs and (for a child) its parent's type and name. */
  resources: DeclaredResource[];
  /** What the program returned, awaited. */
  result: T;
  /** Every secret value the mocked providers generated during the run. */
  generatedSecrets: string[];
}

export interface MockedProgram<T> {
  /** The Pulumi project the program's config belongs to (the `<project>:` of its keys). */
  project: string;
  stack: string;
  /** Config values by key without the project prefix, as the stack file holds them. */
  values: Record<string, unknown>;
  secretKeys?: Iterable<string>;
  program: () => T | Promise<T>;
}

// Internal SDK hooks: the monitor (to learn each resource's parent, which the Mocks interface omits) and
// the RPC queue (to know every registration has finished before the resources are read).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal SDK module without typings (see above).
const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): { registerResource(request: { getParent(): string; getType(): string; getName(): string }, callback: unknown): unknown };
  waitForRPCs(): Promise<void>;
};

function recordParents(parents: Map<string, string>): void {
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const parentUrn = request.getParent();
    if (parentUrn) parents.set(`${request.getType()}::${request.getName()}`, parentUrn.split("::").slice(-2).join("::").replace(/^.*\$/, ""));
    return register(request, callback);
  };
}

/**
 * Runs a Pulumi program for one stack under mocks (no engine, no provider, no cluster or Vault) with the
 * given config, and returns every resource it declared. Each call starts afresh; runs must not overlap.
 */
export async function runUnderMocks<T>({ project, stack, values, secretKeys = [], program }: MockedProgram<T>): Promise<ProgramRun<T>> {
  const resources: DeclaredResource[] = [];
  const secrets = new GeneratedSecrets();
  pulumi.runtime.setMocks(programMocks(resources, secrets), project, stack, false);
  const parents = new Map<string, string>();
  recordParents(parents);
  const prefixed = (key: string) => `${project}:${key}`;
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(values).map(([key, value]) => [prefixed(key), typeof value === "string" ? value : JSON.stringify(value)])),
    [...secretKeys].map(prefixed),
  );
  const result = await program();
  await settings.waitForRPCs();
  for (const resource of resources) {
    const parent = parents.get(`${resource.type}::${resource.name}`);
    if (parent) resource.parent = parent;
  }
  return { resources, result, generatedSecrets: secrets.values };
}
