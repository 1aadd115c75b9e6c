/**
 * The platform's Vector VRL, run by the real VRL engine: toolchain/vrl builds `vrl-runner` (the `vrl` crate
 * Vector embeds) and this module hands it every VRL program of a rendered Vector config, then follows
 * events through the config's transforms as Vector would (defaults from Vector's remap, filter and route
 * transforms). What Vector does around the programs (a transform's drop settings, the Kafka hop) is modelled
 * here and says so; what the programs do is never modelled: the engine runs them.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/stackFile";

type Json = Record<string, unknown>;
/** A field's path from the event's root, as the runner reads and writes them (`["kubernetes", "pod_uid"]`). */
export type FieldPath = string[];

export type VrlKind = "remap" | "condition";
export interface VrlProgram {
  /** Where it sits in the config, e.g. `transforms.by_level.route.errors`. */
  name: string;
  source: string;
  kind: VrlKind;
}
export interface VrlEvent {
  name: string;
  event: Json;
  /** The fields holding a timestamp (VRL's type, which JSON lacks). */
  timestamps?: FieldPath[];
}
export interface VrlRun {
  event: string;
  /** Null when the program finished; `abort` for VRL's abort, `error` for a runtime error. */
  terminated: "abort" | "error" | null;
  error: string | null;
  output: Json | null;
  timestamps: FieldPath[];
  result: boolean | null;
}
export interface VrlResult {
  name: string;
  kind: VrlKind;
  /** VRL's own diagnostic text when the program does not compile, as Vector prints it. */
  diagnostics: string | null;
  warnings: string | null;
  runs: VrlRun[];
}

const INSTALL_SCRIPT = path.join(PROJECT_ROOT, "toolchain/vrl/install.sh");

/** Builds the runner on a cold cache (minutes), else prints the cached binary's path at once. */
export function installVrlRunner(): string {
  return execFileSync("bash", [INSTALL_SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

export function runVrl(binary: string, programs: VrlProgram[], events: VrlEvent[]): VrlResult[] {
  const input = JSON.stringify({ programs, events: events.map((event) => ({ ...event, timestamps: event.timestamps ?? [] })) });
  const output = execFileSync(binary, [], { input, encoding: "utf8", maxBuffer: 64 * 2 ** 20, stdio: ["pipe", "pipe", "pipe"] });
  return (JSON.parse(output) as { programs: VrlResult[] }).programs;
}

/** One VRL condition of a transform: a bare string is VRL, as is `{ type: "vrl", source }`; other types are not VRL. */
function conditionSource(where: string, condition: unknown): string | undefined {
  if (typeof condition === "string") return condition;
  const typed = condition as { type?: unknown; source?: unknown };
  if (typed.type === "vrl" && typeof typed.source === "string") return typed.source;
  if (typeof typed.type === "string" && typed.type !== "vrl") return undefined;
  throw new Error(`${where}: a condition that is neither a VRL string nor { type, ... }: ${JSON.stringify(condition)}`);
}

/** The keys of each transform type that hold VRL conditions; a transform type not listed is refused. */
const CONDITION_KEYS: Record<string, string[]> = { filter: ["condition"], route: [], remap: [], sample: ["exclude"], throttle: ["exclude"], reduce: ["ends_when", "starts_when"] };

/** Every VRL program and condition of a rendered Vector config (its transforms: sources and sinks hold none). */
export function vrlPrograms(config: Json): VrlProgram[] {
  const programs: VrlProgram[] = [];
  for (const [id, transform] of Object.entries((config.transforms ?? {}) as Record<string, Json>)) {
    const where = `transforms.${id}`;
    const type = String(transform.type);
    if (!(type in CONDITION_KEYS)) throw new Error(`${where}: transform type ${type} is unknown to test/support/vrl.ts; say where its VRL is`);
    if (type === "remap") {
      if (typeof transform.source !== "string") throw new Error(`${where}: only an inline source is read (file and files are not)`);
      programs.push({ name: where, source: transform.source, kind: "remap" });
    }
    if (type === "route") {
      for (const [route, condition] of Object.entries(transform.route as Json)) {
        const source = conditionSource(`${where}.route.${route}`, condition);
        if (source !== undefined) programs.push({ name: `${where}.route.${route}`, source, kind: "condition" });
      }
    }
    for (const key of CONDITION_KEYS[type]) {
      if (transform[key] === undefined) continue;
      const source = conditionSource(`${where}.${key}`, transform[key]);
      if (source !== undefined) programs.push({ name: `${where}.${key}`, source, kind: "condition" });
    }
  }
  return programs;
}

/** Where an event went on its way through a config: the sinks it reached, or the transform that dropped it. */
export interface Flow {
  /** Events by the sink that received them. */
  sinks: Record<string, VrlEvent[]>;
  /** What happened at each transform, by event name: kept, dropped, or terminated (and forwarded or not). */
  steps: { transform: string; event: string; outcome: "kept" | "dropped" | "terminated"; run: VrlRun }[];
}

const programOf = (results: VrlResult[], name: string): VrlResult => {
  const result = results.find((candidate) => candidate.name === name);
  if (result === undefined) throw new Error(`no result for ${name}`);
  if (result.diagnostics !== null) throw new Error(`${name} does not compile:\n${result.diagnostics}`);
  return result;
};

/**
 * Follows events from one source through the config's transforms to its sinks. Every transform runs in the
 * engine; the routing around it is Vector's: a remap whose program aborts drops the event (`drop_on_abort`
 * defaults to true) and one that errors forwards the original event (`drop_on_error` defaults to false); a
 * filter keeps what its condition accepts, and a condition that terminates counts as false; a route sends
 * an event to every route whose condition holds, and to `<id>._unmatched` when none does.
 */
export function followEvents(binary: string, config: Json, source: string, events: VrlEvent[]): Flow {
  const transforms = (config.transforms ?? {}) as Record<string, Json>;
  const programs = vrlPrograms(config);
  const outputs = new Map<string, VrlEvent[]>([[source, events]]);
  const steps: Flow["steps"] = [];
  const pending = new Set(Object.keys(transforms));
  const inputsOf = (component: Json) => (component.inputs as string[]).flatMap((input) => outputs.get(input) ?? []);
  while (pending.size > 0) {
    const next = [...pending].find((id) => (transforms[id].inputs as string[]).every((input) => outputs.has(input)));
    if (next === undefined) break; // what is left reads from another source
    pending.delete(next);
    const transform = transforms[next];
    const inputs = inputsOf(transform);
    const own = programs.filter((program) => program.name.startsWith(`transforms.${next}.`) || program.name === `transforms.${next}`);
    const results = inputs.length === 0 ? [] : runVrl(binary, own, inputs);
    const runsOf = (name: string) => programOf(results, name).runs;
    if (transform.type === "remap") {
      const dropOnAbort = transform.drop_on_abort !== false;
      const dropOnError = transform.drop_on_error === true;
      const kept: VrlEvent[] = [];
      runsOf(`transforms.${next}`).forEach((run, index) => {
        const dropped = run.terminated === "abort" ? dropOnAbort : run.terminated === "error" ? dropOnError : false;
        steps.push({ transform: next, event: run.event, outcome: run.terminated === null ? "kept" : "terminated", run });
        if (run.terminated === null) kept.push({ name: run.event, event: run.output!, timestamps: run.timestamps });
        else if (!dropped) kept.push(inputs[index]);
      });
      outputs.set(next, kept);
    } else if (transform.type === "filter") {
      const runs = runsOf(`transforms.${next}.condition`);
      runs.forEach((run) => steps.push({ transform: next, event: run.event, outcome: run.result === true ? "kept" : "dropped", run }));
      outputs.set(next, inputs.filter((_, index) => runs[index].result === true));
    } else if (transform.type === "route") {
      const routes = Object.keys(transform.route as Json);
      const matched = new Set<number>();
      for (const route of routes) {
        const runs = runsOf(`transforms.${next}.route.${route}`);
        runs.forEach((run, index) => {
          steps.push({ transform: `${next}.${route}`, event: run.event, outcome: run.result === true ? "kept" : "dropped", run });
          if (run.result === true) matched.add(index);
        });
        outputs.set(`${next}.${route}`, inputs.filter((_, index) => runs[index].result === true));
      }
      outputs.set(`${next}._unmatched`, inputs.filter((_, index) => !matched.has(index)));
    } else {
      throw new Error(`transforms.${next}: followEvents runs remap, filter and route transforms only, not ${String(transform.type)}`);
    }
  }
  const sinks = Object.fromEntries(Object.entries((config.sinks ?? {}) as Record<string, Json>).map(([id, sink]) => [id, inputsOf(sink)]));
  return { sinks, steps };
}

const valueAt = (event: Json, field: FieldPath): unknown => field.reduce<unknown>((value, key) => (value as Json | undefined)?.[key], event);
const samePath = (a: FieldPath, b: FieldPath) => a.length === b.length && a.every((key, index) => key === b[index]);
/** Whether the event's `timestamp` field holds a VRL timestamp (not text): what Vector's sinks key on. */
const hasTimestamp = (event: VrlEvent) => (event.timestamps ?? []).some((field) => samePath(field, ["timestamp"]));

/** A Kafka record as the kafka sink writes it with the JSON codec. */
export interface KafkaRecord {
  name: string;
  key: unknown;
  /** The record's timestamp (RFC 3339, milliseconds): the event's `timestamp` when that field holds a timestamp, else the time it was produced. */
  timestamp: string;
  value: Json;
  /** Where a real broker stored it, once consumed; a modelled record has neither. */
  partition?: number;
  offset?: number;
}

/**
 * The kafka sink's records (src/sinks/kafka in Vector): the event as JSON (a timestamp becomes its RFC 3339
 * text); the key read from `key_field`; the record's timestamp from the event's `timestamp` only when that
 * field holds a VRL timestamp, otherwise the producer stamps the time it sends (`producedAt`).
 */
export function kafkaRecords(sink: Json, events: VrlEvent[], producedAt: string): KafkaRecord[] {
  const keyField = typeof sink.key_field === "string" ? sink.key_field.replace(/^\./, "").split(".") : undefined;
  return events.map((event) => {
    return {
      name: event.name,
      key: keyField === undefined ? null : valueAt(event.event, keyField),
      // Kafka keeps milliseconds.
      timestamp: new Date(hasTimestamp(event) ? String(event.event.timestamp) : producedAt).toISOString(),
      value: event.event,
    };
  });
}

/**
 * The events the kafka source makes of those records with the JSON decoder, in Vector's legacy log
 * namespace (src/sources/kafka.rs): the decoded fields, then `source_type`, `message_key`, `timestamp` (the
 * record's, overwriting the field of that name), `topic`, `partition`, `offset` and `headers`.
 */
export function kafkaSourceEvents(records: KafkaRecord[], topic: string): VrlEvent[] {
  return records.map((record, offset) => ({
    name: record.name,
    event: { ...record.value, source_type: "kafka", message_key: record.key, timestamp: record.timestamp, topic, partition: record.partition ?? 0, offset: record.offset ?? offset, headers: {} },
    timestamps: [["timestamp"]],
  }));
}

/** Where a line came from, as the kubernetes_logs source names it. */
export interface PodOfLine {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  labels: Record<string, string>;
}

/**
 * A line as the kubernetes_logs source delivers it: the text in `message`, the pod's metadata, the file it
 * was read from and the kubelet's time (RFC 3339 with nanoseconds).
 */
export function podLogEvent(name: string, message: string, pod: PodOfLine, kubeletTime: string): VrlEvent {
  return {
    name,
    event: {
      message,
      file: `/var/log/pods/${pod.namespace}_${pod.pod}_${pod.uid}/${pod.container}/0.log`,
      kubernetes: { pod_name: pod.pod, pod_namespace: pod.namespace, pod_uid: pod.uid, container_name: pod.container, pod_labels: pod.labels },
      stream: "stdout",
      timestamp: kubeletTime,
      source_type: "kubernetes_logs",
    },
    timestamps: [["timestamp"]],
  };
}

/** What the elasticsearch sink sends for one event: the bulk action, the index and the document. */
export interface BulkDocument {
  action: string;
  index: string;
  document: Json;
}

/**
 * The elasticsearch sink's bulk entry for an event: the index is the sink's `bulk.index` template, whose
 * strftime fields Vector fills from the event's `timestamp` (UTC); the document is the event as JSON. Only
 * the date fields the configs use are known here; any other template field is refused.
 */
export function bulkDocument(sink: Json, event: VrlEvent): BulkDocument {
  const bulk = sink.bulk as { action: string; index: string };
  if (!hasTimestamp(event)) throw new Error(`${event.name}: no timestamp to name the index ${bulk.index} by`);
  const time = new Date(String(event.event.timestamp));
  const two = (value: number) => String(value).padStart(2, "0");
  const fields: Record<string, string> = { Y: String(time.getUTCFullYear()), m: two(time.getUTCMonth() + 1), d: two(time.getUTCDate()) };
  const index = bulk.index.replace(/%(.)/g, (_, field: string) => {
    const value = fields[field];
    if (value === undefined) throw new Error(`bulk.index ${bulk.index}: %${field} is not modelled by test/support/vrl.ts`);
    return value;
  });
  return { action: bulk.action, index, document: event.event };
}
