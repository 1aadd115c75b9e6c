/**
 * The render a systems test starts from: the offline renderer (scripts/lib/mockRun.ts and writeRender, as
 * `npm run render -- --stack <stack>` runs them) into a temporary directory, once per run. Staging for most
 * tests; the local stack for the one that runs every service it deploys (workloads.systems.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import type { RawStackConfig } from "../../../components/stackConfig";
import { manifestFileName, writeRender } from "../../../scripts/lib/manifests";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { runBlueprint } from "../../../scripts/lib/mockRun";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { withAppRole, withClientReviewer } from "../../support/stackEdits";

/** Where the systems tests' services log in to Vault from, as a secret_id's CIDR binding names it. */
export const LOOPBACK_CIDR = "127.0.0.1/32";

/** The API server audience the systems tests' Kubernetes auth config names (no API server runs in them). */
export const SYSTEMS_API_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

type Any = Record<string, any>;

export interface StackRender {
  dir: string;
  /** Every declared resource, secrets still wrapped (for the Vault applier only; resources.json masks them). */
  resources: DeclaredResource[];
  /** A rendered Kubernetes object, read back from its YAML file. */
  object(kind: string, namespace: string, name: string): Any;
  /** One key of a rendered ConfigMap. */
  configMapData(namespace: string, name: string, key: string): string;
  /** The env of a workload's first container, `value` entries only (what the render spells out). */
  containerEnv(kind: string, namespace: string, name: string): Record<string, string>;
}

/** The staging render's type, by the name the staging tests use. */
export type StagingRender = StackRender;

const renders = new Map<string, Promise<StackRender>>();

/**
 * A second service beside the Items API, in a namespace of its own and with objectives of its own, for the
 * tests that must see how the platform treats several services (the SLO rule groups, one per service).
 */
export const SECOND_SERVICE = {
  name: "orders-api",
  namespace: "orders",
  objectives: { availability: { target: 99.5, window: "7d" }, latency: { target: 95, thresholdSeconds: 0.5, window: "7d" } },
} as const;

interface RenderOptions {
  /** The one input staging leaves to its operator (the cluster Vault's CA); the Vault test sets its own Vault's. */
  vaultCaCert?: string;
  /** Adds SECOND_SERVICE (a copy of the Items API's entry without its Ingress) to the stack's services. */
  secondService?: boolean;
  /** The AppRole login (vault.authMethod: approle) instead of staging's Kubernetes auth. */
  appRole?: boolean;
}

/** The committed staging stack file, with only what `options` changes. */
export function stagingRender(options: RenderOptions = {}): Promise<StagingRender> {
  const key = JSON.stringify(["staging", options.vaultCaCert ?? "", options.secondService ?? false, options.appRole ?? false]);
  let render = renders.get(key);
  if (render === undefined) {
    render = renderStaging(options);
    renders.set(key, render);
  }
  return render;
}

async function renderStaging({ vaultCaCert, secondService, appRole }: RenderOptions): Promise<StackRender> {
  const raw: RawStackConfig = loadStackFile("staging");
  const values = structuredClone(raw.values) as Any;
  if (vaultCaCert !== undefined) values.vault.caCert = vaultCaCert;
  if (appRole) {
    withAppRole(values, "staging");
    // The pods' network, as Vault sees the service here: loopback (the render's 10.0.0.0/8 refuses it).
    values.vault.secretId.boundCidrs = [LOOPBACK_CIDR];
  }
  // Vault runs outside a pod here: it takes the Kubernetes auth config only with a CA and reviewer client.
  if (vaultCaCert !== undefined) withClientReviewer(values, { host: "https://127.0.0.1:6443", caCert: vaultCaCert, audience: SYSTEMS_API_AUDIENCE });
  if (secondService) {
    const { ingress: _ingress, ...items } = values.services["items-api"];
    values.services[SECOND_SERVICE.name] = { ...items, namespace: SECOND_SERVICE.namespace, objectives: structuredClone(SECOND_SERVICE.objectives) };
  }
  return renderStack("staging", { values, secretKeys: raw.secretKeys });
}

/** The committed local stack as it is: the Items API and items-py side by side, Vault off. */
export function localRender(): Promise<StackRender> {
  const key = JSON.stringify(["local"]);
  let render = renders.get(key);
  if (render === undefined) {
    render = renderStack("local", loadStackFile("local"));
    renders.set(key, render);
  }
  return render;
}

/** Any stack config, rendered as `npm run render` would (not cached: each call renders afresh). */
export async function renderStack(stack: string, raw: RawStackConfig): Promise<StackRender> {
  const run = await runBlueprint(stack, raw);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-render-"));
  writeRender(run.resources, dir);
  const object = (kind: string, namespace: string, name: string): Any => {
    const file = path.join(dir, manifestFileName({ apiVersion: "", kind, metadata: { namespace, name } }));
    if (!fs.existsSync(file)) throw new Error(`the ${stack} render has no ${kind} ${namespace}/${name} (${file})`);
    return parse(fs.readFileSync(file, "utf8")) as Any;
  };
  return {
    dir,
    resources: run.resources,
    object,
    configMapData: (namespace, name, key) => {
      const value = object("ConfigMap", namespace, name).data?.[key];
      if (typeof value !== "string") throw new Error(`ConfigMap ${namespace}/${name} has no key ${key}`);
      return value;
    },
    containerEnv: (kind, namespace, name) => {
      const container = object(kind, namespace, name).spec.template.spec.containers[0];
      return Object.fromEntries((container.env ?? []).filter((entry: Any) => typeof entry.value === "string").map((entry: Any) => [entry.name, entry.value]));
    },
  };
}
