import { parseQuantity } from "../../components/k8s/quantity";
import { parseConfig, PROJECT } from "../../components/stackConfig";
import { knownStacks, loadStackFile } from "./stackFile";
import type { KubernetesObject } from "../../policy/kubernetes";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped JSON; each estimate reads the fields it needs.
type Any = Record<string, any>;

/** Nodes assumed per environment, for DaemonSets (one pod per node). Change here when the clusters change. */
export const ASSUMED_NODES: Record<string, number> = { local: 1, staging: 3, production: 6 };

/** A ceiling on a stack's total requests, setup Jobs included (they run while everything else does). */
export interface Budget {
  cpuCores: number;
  memoryBytes: number;
}

/** Where a stack's budget is set, for the messages that name it. */
export const BUDGET_KEY = `${PROJECT}:sizing.budget`;

/**
 * A stack's budget from its config (`sizing.budget`); a stack without one is not checked. `npm run sizing`
 * warns when a stack goes over (it does not fail: a budget is a plan, and the fix may be a bigger cluster
 * rather than smaller services). `--budget STACK=CPU,MEMORY` overrides one for a run.
 */
export function configuredBudget(sizing: { budget?: { cpu: string; memory: string } }): Budget | undefined {
  return sizing.budget === undefined ? undefined : { cpuCores: parseQuantity(sizing.budget.cpu), memoryBytes: parseQuantity(sizing.budget.memory) };
}

/** Every committed stack's budget, by stack name, from its stack file. */
export function committedBudgets(root?: string): Record<string, Budget> {
  return Object.fromEntries(
    knownStacks(root).flatMap((stack) => {
      const budget = configuredBudget(parseConfig(loadStackFile(stack, root), stack).sizing);
      return budget === undefined ? [] : [[stack, budget] as const];
    }),
  );
}

export interface Resources {
  cpuRequest: number;
  cpuLimit: number;
  memoryRequest: number;
  memoryLimit: number;
}

export interface FootprintRow {
  component: string;
  namespace: string;
  kind: string;
  /** Pods counted in the totals. */
  replicas: number;
  /** How the count was chosen (HPA minimum, nodes assumed for a DaemonSet, …). */
  replicasNote: string;
  perPod: Resources;
  total: Resources;
}

export interface Footprint {
  /** The stack rendered; its budget and its section in docs/sizing.md go by this name. */
  stack: string;
  environment: string;
  nodes: number;
  rows: FootprintRow[];
  /** One-shot Jobs: they run once per `pulumi up` and finish, so they are listed but not in the total. */
  jobs: FootprintRow[];
  total: Resources;
  /** The total with every HPA at its maximum. */
  totalAtHpaMax: Resources;
}

const ZERO: Resources = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0 };
const KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);

function containerResources(container: Any): Resources {
  const value = (list: "requests" | "limits", key: "cpu" | "memory") => {
    const quantity = container.resources?.[list]?.[key];
    return quantity === undefined ? 0 : parseQuantity(String(quantity));
  };
  return { cpuRequest: value("requests", "cpu"), cpuLimit: value("limits", "cpu"), memoryRequest: value("requests", "memory"), memoryLimit: value("limits", "memory") };
}

function combine(a: Resources, b: Resources, by: (x: number, y: number) => number): Resources {
  return {
    cpuRequest: by(a.cpuRequest, b.cpuRequest),
    cpuLimit: by(a.cpuLimit, b.cpuLimit),
    memoryRequest: by(a.memoryRequest, b.memoryRequest),
    memoryLimit: by(a.memoryLimit, b.memoryLimit),
  };
}
const add = (a: Resources, b: Resources) => combine(a, b, (x, y) => x + y);
const scale = (a: Resources, factor: number) => combine(a, a, (x) => x * factor);

/**
 * What the scheduler reserves for one pod: the app containers (plus restartable sidecar init containers)
 * added up, or the largest ordinary init container if that is bigger — Kubernetes' effective request rule.
 */
export function podResources(spec: Any): Resources {
  const init: Any[] = spec.initContainers ?? [];
  const sidecars = init.filter((container) => container.restartPolicy === "Always");
  const running = [...(spec.containers ?? []), ...sidecars].map(containerResources).reduce(add, ZERO);
  const initPeak = init
    .filter((container) => container.restartPolicy !== "Always")
    .map(containerResources)
    .reduce((a, b) => combine(a, b, Math.max), ZERO);
  return combine(running, initPeak, Math.max);
}

function replicasOf(object: Any, objects: KubernetesObject[], nodes: number): { min: number; max: number; note: string } {
  if (object.kind === "DaemonSet") return { min: nodes, max: nodes, note: `per node, ${nodes} assumed` };
  if (object.kind === "Job") return { min: 1, max: 1, note: "one-shot" };
  if (object.spec.replicas !== undefined) return { min: object.spec.replicas, max: object.spec.replicas, note: "fixed" };
  const hpa = objects.find(
    (candidate: Any) =>
      candidate.kind === "HorizontalPodAutoscaler" &&
      candidate.metadata.namespace === object.metadata.namespace &&
      candidate.spec.scaleTargetRef.kind === object.kind &&
      candidate.spec.scaleTargetRef.name === object.metadata.name,
  ) as Any | undefined;
  if (hpa) return { min: hpa.spec.minReplicas ?? 1, max: hpa.spec.maxReplicas, note: `HPA minimum, range ${hpa.spec.minReplicas ?? 1}–${hpa.spec.maxReplicas}` };
  return { min: 1, max: 1, note: "default (1)" };
}

export function footprint(environment: string, objects: KubernetesObject[], nodes: number = ASSUMED_NODES[environment] ?? 1, stack: string = environment): Footprint {
  const rows: (FootprintRow & { maxReplicas: number })[] = objects
    .filter((object) => KINDS.has(object.kind))
    .map((object: Any) => {
      const perPod = podResources(object.spec.template.spec);
      const replicas = replicasOf(object, objects, nodes);
      return {
        component: object.metadata.name,
        namespace: object.metadata.namespace ?? "",
        kind: object.kind,
        replicas: replicas.min,
        replicasNote: replicas.note,
        maxReplicas: replicas.max,
        perPod,
        total: scale(perPod, replicas.min),
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.component.localeCompare(b.component));
  const steady = rows.filter((row) => row.kind !== "Job");
  const strip = ({ maxReplicas: _max, ...row }: FootprintRow & { maxReplicas: number }): FootprintRow => row;
  return {
    stack,
    environment,
    nodes,
    rows: steady.map(strip),
    jobs: rows.filter((row) => row.kind === "Job").map(strip),
    total: steady.map((row) => row.total).reduce(add, ZERO),
    totalAtHpaMax: steady.map((row) => scale(row.perPod, row.maxReplicas)).reduce(add, ZERO),
  };
}

const cpu = (cores: number) => `${Math.round(cores * 1000)}m`;
const memory = (bytes: number) => `${Math.round(bytes / 2 ** 20)}Mi`;
const cells = (resources: Resources) => [cpu(resources.cpuRequest), cpu(resources.cpuLimit), memory(resources.memoryRequest), memory(resources.memoryLimit)];
const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);

function table(rows: FootprintRow[]): string[] {
  return [
    "| Component | Namespace | Kind | Pods | Per pod (CPU req/lim, memory req/lim) | CPU request | CPU limit | Memory request | Memory limit |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((row) => {
      const [cpuRequest, cpuLimit, memoryRequest, memoryLimit] = cells(row.perPod);
      const perPod = `${cpuRequest}/${cpuLimit}, ${memoryRequest}/${memoryLimit}`;
      return `| ${row.component} | ${row.namespace} | ${row.kind} | ${row.replicas} (${row.replicasNote}) | ${perPod} | ${cells(row.total).join(" | ")} |`;
    }),
  ];
}

/** Requests with the setup Jobs running: the peak the budget is checked against. */
export function peakRequests(entry: Footprint): { cpuCores: number; memoryBytes: number } {
  return [...entry.rows, ...entry.jobs].reduce((sum, row) => ({ cpuCores: sum.cpuCores + row.total.cpuRequest, memoryBytes: sum.memoryBytes + row.total.memoryRequest }), { cpuCores: 0, memoryBytes: 0 });
}

/** One warning line per resource over budget, naming the stack, the figures and where the budget is set. */
export function budgetWarnings(stack: string, entry: Footprint, budget: Budget | undefined): string[] {
  if (!budget) return [];
  const peak = peakRequests(entry);
  const where = `the budget is ${BUDGET_KEY} in Pulumi.${stack}.yaml, or --budget for one run; docs/sizing.md`;
  return [
    ...(peak.cpuCores > budget.cpuCores + 1e-9 ? [`warning: stack '${stack}' requests ${peak.cpuCores.toFixed(2)} vCPU with its setup Jobs running, over its budget of ${budget.cpuCores} vCPU (${where})`] : []),
    ...(peak.memoryBytes > budget.memoryBytes ? [`warning: stack '${stack}' requests ${gib(peak.memoryBytes)} GiB with its setup Jobs running, over its budget of ${gib(budget.memoryBytes)} GiB (${where})`] : []),
  ];
}

/** `STACK=CPU,MEMORY` as Kubernetes quantities, e.g. `staging=4,12Gi`. */
export function parseBudget(text: string): { stack: string; budget: Budget } {
  const match = /^([^=]+)=([^,]+),(.+)$/.exec(text);
  if (!match) throw new Error(`--budget takes STACK=CPU,MEMORY (for example staging=3,8Gi), got '${text}'`);
  try {
    return { stack: match[1], budget: { cpuCores: parseQuantity(match[2]), memoryBytes: parseQuantity(match[3]) } };
  } catch (error) {
    throw new Error(`--budget ${text}: ${(error as Error).message}`, { cause: error });
  }
}

export function footprintMarkdown(footprints: Footprint[], budgets: Record<string, Budget>): string {
  const sections = footprints.flatMap((entry) => [
    `## ${entry.stack}`,
    "",
    `${entry.stack === entry.environment ? "" : `Environment ${entry.environment}. `}Totals are per component (per-pod values × pods). DaemonSets assume **${entry.nodes} node${entry.nodes === 1 ? "" : "s"}**.`,
    "",
    ...table(entry.rows),
    `| **Total** | | | | | **${cells(entry.total).join("** | **")}** |`,
    `| Total with every HPA at its maximum | | | | | ${cells(entry.totalAtHpaMax).join(" | ")} |`,
    "",
    `Total requests: **${entry.total.cpuRequest.toFixed(2)} vCPU** and **${gib(entry.total.memoryRequest)} GiB**` +
      (budgets[entry.stack] ? ` (budget: ${budgets[entry.stack].cpuCores} vCPU and ${gib(budgets[entry.stack].memoryBytes)} GiB, setup Jobs included).` : "."),
    "",
    ...(entry.jobs.length
      ? ["One-shot setup Jobs (run during `pulumi up`, then finish; not in the total):", "", ...table(entry.jobs), ""]
      : []),
  ]);
  return [
    "# Resource footprint",
    "",
    "Generated by `npm run sizing -- --write` from the offline render (the program run under mocks with each",
    "committed stack's config, `scripts/lib/sizing.ts`); do not edit by hand. A pod's request is what the",
    "scheduler reserves: its containers added up, or its largest init container if bigger. Ephemeral storage",
    "and volumes are not counted here; volume sizes are in the stack files.",
    "",
    "`npm run sizing` prints this page to stdout and writes nothing; `-- --stack NAME` (repeatable) limits it to",
    "some stacks, `-- --write` rewrites this page (always for every committed stack), `-- --out FILE` writes the",
    "page for the chosen stacks elsewhere. `npm run sizing -- --help` lists every option.",
    "",
    "## Budgets",
    "",
    "A stack may have a budget: a ceiling on its total requests with the setup Jobs running, set in its stack",
    "file as `sizing: { budget: { cpu, memory } }` (Kubernetes quantities); a stack without one is not checked.",
    `Budgets on this page: ${Object.entries(budgets).map(([stack, budget]) => `${stack} ${budget.cpuCores} vCPU and ${gib(budget.memoryBytes)} GiB`).join("; ") || "none"}.`,
    "`--budget STACK=CPU,MEMORY` (Kubernetes quantities, e.g. `--budget staging=4,12Gi`) sets one for a single run.",
    "A stack over its budget is a warning on stderr naming the stack and the figures, not a failure: the",
    "answer may be a bigger cluster as well as smaller services. Raise the stack's `sizing.budget` when the",
    "cluster grows, and regenerate this page.",
    "",
    ...sections,
  ].join("\n");
}
