/**
 * The Vector configs' VRL, compiled and run by the real VRL engine (toolchain/vrl, the `vrl` crate Vector
 * 0.58.0 embeds), on pod log lines written by the service's own logger: what the agent keeps, what reaches
 * which Elasticsearch index, and with which fields (the index template's).
 */
import * as assert from "node:assert/strict";
import { context, trace, TraceFlags } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { createResponseRecorder, type ResponseRecord } from "../../../app/src/http/observability.js";
import { createLogger } from "../../../app/src/logging/logger.js";
import type { AppMetrics } from "../../../app/src/metrics/metrics.js";
import { LogCapture } from "../../../app/test/support/log-capture.js";
import { INDEX_FAMILIES, elasticsearchSetupRequests } from "../../../components/observability/elasticsearch";
import { appWorkloads } from "../../../components/platformEndpoints";
import { parseConfig } from "../../../components/stackConfig";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { type MockRun, STACKS, objectsOfKind, stackRun } from "../../support/runs";
import { bulkDocument, type Flow, followEvents, installVrlRunner, kafkaRecords, kafkaSourceEvents, podLogEvent, type PodOfLine, runVrl, vrlPrograms } from "../../support/vrl";

type Json = Record<string, any>;

function vectorConfig(run: MockRun, name: string): Json {
  const [configMap] = objectsOfKind(run, "ConfigMap").filter((object) => object.metadata.name === `${name}-config`) as Json[];
  if (configMap === undefined) throw new Error(`no ConfigMap ${name}-config`);
  return parse(configMap.data["vector.yaml"]);
}

/** The index template's mapped fields and their types (both families share one template body). */
function templateFields(): Record<string, string> {
  const secret = pulumi.output("unused");
  const requests = elasticsearchSetupRequests({ deleteAfterDays: 7, nodes: 1, writerPassword: secret, kibanaSystemPassword: secret, kibanaSetupPassword: secret, readerPassword: secret });
  const template = requests.find((request) => request.path === `/_index_template/${INDEX_FAMILIES.logs}`)!.body as Json;
  return Object.fromEntries(Object.entries(template.template.mappings.properties as Record<string, { type: string }>).map(([field, mapping]) => [field, mapping.type]));
}

// The service as staging runs it, and the moments the lines below are written and shipped.
const stackConfig = parseConfig(loadStackFile("staging"), "staging");
const [workload] = appWorkloads(stackConfig.services, stackConfig.namespaces.apps, stackConfig.objectives);
/** The kubelet's time of a line, to the millisecond Kafka keeps, and as the source reads it (nanoseconds). */
const KUBELET_MS = "2026-11-22T10:00:00.500Z";
const KUBELET_TIME = KUBELET_MS.replace("Z", "123456Z");
const PRODUCED_AT = "2026-11-22T10:00:07Z";
const TRACE = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
const STACK_TRACE = "Error: store unreachable\n    at ItemRepository.get (/app/dist/items/repository.js:42:11)\n    at async handler (/app/dist/routes/items.js:17:5)";
const NON_JSON = "node: --max-old-space-size is set twice; using the last value";
/**
 * JSON lines of other programs, whose field names the configs name too: `message`, kept beside the parsed
 * fields, and a probe logged by its full `url`, query string and all.
 */
const FOREIGN = {
  "foreign-message": JSON.stringify({ level: "warn", timestamp: "2026-11-22T09:59:59.250Z", message: "disk almost full" }),
  "foreign-probe": JSON.stringify({ level: "info", timestamp: "2026-11-22T09:59:59.500Z", message: "probe", url: "/ready?verbose=1" }),
};

/**
 * Lines written by the service's own logger (app/src/logging/logger.ts), as it writes them: access lines by
 * its response recorder, the error line in the error handler's shape, a warning, a fatal line, one inside a
 * sampled span (the trace mixin adds its IDs), and lines no logger of the service writes.
 */
function serviceLines(): Record<string, string> {
  const capture = new LogCapture();
  const logger = createLogger({ service: workload.name, version: "1.4.2", environment: "staging", level: "debug", format: "json", withTraceContext: true }, capture);
  const metrics = { httpRequests: { observe: () => undefined } } as unknown as AppMetrics;
  const record = createResponseRecorder(logger, metrics);
  const access = (route: string, statusCode: number, internal: boolean): ResponseRecord => ({ requestId: `req-${route}`, method: "GET", route, statusCode, durationMs: 3.25, internal });
  const lines: Record<string, string> = {};
  const take = (name: string, write: () => void) => {
    write();
    lines[name] = capture.raw.pop()!;
  };
  take("access", () => record(access("/api/v1/items/:id", 200, false)));
  take("health", () => record(access("/health", 200, true)));
  take("ready", () => record(access("/ready", 200, true)));
  take("metrics", () => record(access("/metrics", 200, true)));
  take("error", () => logger.child({ logger: "http", request_id: "req-error" }).error({ err: { type: "Error", message: "store unreachable", stack: STACK_TRACE }, method: "GET" }, "request_failed"));
  take("warning", () => logger.warn({ dropped_lines: 3 }, "log_lines_dropped"));
  take("fatal", () => logger.fatal({ logger: "lifecycle", reason: "Error: boom" }, "unhandled_rejection"));
  // The mixin reads the active span, which needs a context manager; one registered elsewhere is left alone.
  const registered = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  try {
    const span = trace.wrapSpanContext({ ...TRACE, traceFlags: TraceFlags.SAMPLED });
    take("traced", () => context.with(trace.setSpan(context.active(), span), () => record(access("/api/v1/items", 201, false))));
  } finally {
    if (registered) context.disable();
  }
  // The file source hands over text: an invalid UTF-8 byte arrives as U+FFFD.
  take("invalid-utf8", () => logger.info({ name: "caf\uFFFD" }, "item_created"));
  take("oversized", () => logger.info({ detail: "x".repeat(64 * 1024) }, "item_imported"));
  return { ...lines, ...FOREIGN, "non-json": NON_JSON };
}

/** The pod that writes the lines: the staging service's. */
const POD: PodOfLine = {
  namespace: workload.namespace,
  pod: `${workload.name}-7d9f8b6c5-x2x9q`,
  uid: "0b8e4c1a-2f1d-4c3e-9a57-6d0d3f1e2a11",
  container: workload.name,
  labels: { "app.kubernetes.io/name": workload.name },
};

const PROBES = ["health", "ready", "metrics", "foreign-probe"];
const ERRORS = ["error", "fatal"];

describe("Vector's VRL in the real VRL engine", function () {
  this.timeout(1_800_000);
  let binary: string;

  before(() => {
    // Idempotent: the cached binary at once, or a build of several minutes on a cold cache. Never skipped.
    binary = installVrlRunner();
  });

  for (const stack of STACKS) {
    it(`${stack}: every program of the agent and the aggregator compiles, without a warning`, async () => {
      const run = await stackRun(stack);
      const programs = ["vector-agent", "vector-aggregator"].flatMap((name) => vrlPrograms(vectorConfig(run, name)).map((program) => ({ ...program, name: `${name}.${program.name}` })));
      // parse, drop_probe_logs, enrich and by_level's errors route: a program lost from the config is a failure too.
      assert.equal(programs.length, 4, programs.map((program) => program.name).join(", "));
      const results = runVrl(binary, programs, []);
      assert.deepEqual(
        results.map((result) => [result.name, result.diagnostics, result.warnings]),
        programs.map((program) => [program.name, null, null]),
      );
    });
  }

  describe("a pod's lines, followed from the agent through Kafka to Elasticsearch (staging)", () => {
    let lines: Record<string, string>;
    const parsedLine = (name: string): Json => JSON.parse(lines[name]);
    let agent: Flow;
    let aggregator: Flow;
    let indexed: Map<string, { sink: string; event: Json; timestamps: string[][] }>;
    let aggregatorSinks: Record<string, Json>;

    before(async () => {
      lines = serviceLines();
      const run = await stackRun("staging");
      const agentConfig = vectorConfig(run, "vector-agent");
      const aggregatorConfig = vectorConfig(run, "vector-aggregator");
      aggregatorSinks = aggregatorConfig.sinks;
      agent = followEvents(binary, agentConfig, "pod_logs", Object.entries(lines).map(([name, line]) => podLogEvent(name, line, POD, KUBELET_TIME)));
      const records = kafkaRecords(agentConfig.sinks.kafka, agent.sinks.kafka, PRODUCED_AT);
      aggregator = followEvents(binary, aggregatorConfig, "app_logs", kafkaSourceEvents(records, aggregatorConfig.sources.app_logs.topics[0]));
      indexed = new Map();
      for (const [sink, events] of Object.entries(aggregator.sinks)) {
        for (const event of events) indexed.set(event.name, { sink, event: event.event, timestamps: event.timestamps ?? [] });
      }
    });

    it("no program aborts or errors on any line", () => {
      const terminated = [...agent.steps, ...aggregator.steps].filter((step) => step.run.terminated !== null);
      assert.deepEqual(terminated.map((step) => `${step.transform} on ${step.event}: ${step.run.error}`), []);
      assert.ok(agent.steps.length >= Object.keys(lines).length * 2, "every line went through parse and the probe filter");
    });

    it("drops the probes' and the scrapes' access lines in the agent, and ships every other line", () => {
      const dropped = agent.steps.filter((step) => step.outcome === "dropped").map((step) => step.event);
      assert.deepEqual(dropped.sort(), [...PROBES].sort());
      assert.deepEqual(agent.sinks.kafka.map((event) => event.name).sort(), Object.keys(lines).filter((name) => !PROBES.includes(name)).sort());
    });

    it("routes error and fatal lines to the errors index and every other shipped line to the logs index", () => {
      const bySink = (sink: string) => [...indexed].filter(([, entry]) => entry.sink === sink).map(([name]) => name).sort();
      assert.deepEqual(bySink("elasticsearch_errors"), [...ERRORS].sort());
      assert.deepEqual(bySink("elasticsearch_logs"), Object.keys(lines).filter((name) => !PROBES.includes(name) && !ERRORS.includes(name)).sort());
      assert.deepEqual(Object.keys(aggregator.sinks).sort(), ["elasticsearch_errors", "elasticsearch_logs", "prometheus"]);
      // The data stream of the day each line was written (the sink names the index by the event's timestamp).
      const family = { elasticsearch_errors: INDEX_FAMILIES.errors, elasticsearch_logs: INDEX_FAMILIES.logs } as Record<string, string>;
      for (const [name, entry] of indexed) {
        const written = name === "non-json" ? KUBELET_MS : String(parsedLine(name).timestamp);
        const bulk = bulkDocument(aggregatorSinks[entry.sink]!, { name, event: entry.event, timestamps: entry.timestamps });
        assert.deepEqual([bulk.action, bulk.index], ["create", `${family[entry.sink]}-${written.slice(0, 10)}`], name);
      }
    });

    it("gives every indexed event the template's date fields as timestamps, the line's own time, and its keyword fields as text", () => {
      const fields = templateFields();
      for (const [name, { event, timestamps }] of indexed) {
        for (const [field, type] of Object.entries(fields)) {
          const value = event[field];
          if (type === "date") {
            assert.ok(timestamps.some((stamp) => stamp.length === 1 && stamp[0] === field), `${name}: ${field} is not a timestamp: ${JSON.stringify(value)}`);
          } else if (type === "keyword" && value !== undefined) {
            assert.equal(typeof value, "string", `${name}: ${field}`);
          }
        }
        assert.equal(event["@timestamp"], event.timestamp, `${name}: @timestamp`);
        // The time the line was written: the service's own when it wrote one, else the kubelet's.
        const own = name === "non-json" ? KUBELET_MS : parsedLine(name).timestamp;
        assert.equal(new Date(event.timestamp).toISOString(), own, `${name}: timestamp`);
      }
    });

    it("keeps the service's fields from each JSON line, and the pod it came from", () => {
      for (const [name, { event }] of indexed) {
        assert.deepEqual([event.kubernetes.pod_name, event.kubernetes.pod_namespace], [POD.pod, POD.namespace], name);
        assert.deepEqual([event.source, event.pipeline], ["vector-agent", "app-logs"], name);
        if (name === "non-json" || name in FOREIGN) continue;
        const line = parsedLine(name);
        for (const field of ["level", "event", "service", "environment"]) assert.equal(event[field], line[field], `${name}: ${field}`);
        assert.equal(event.service, workload.name);
        assert.equal(event.message, undefined, `${name}: the raw line is not kept beside its fields`);
      }
      assert.deepEqual([indexed.get("foreign-message")!.event.message, indexed.get("foreign-message")!.event.level], ["disk almost full", "warn"]);
      assert.equal(indexed.get("access")!.event.request_id, "req-/api/v1/items/:id");
      assert.equal(indexed.get("access")!.event.status_code, 200);
      assert.deepEqual(indexed.get("error")!.event.err, parsedLine("error").err);
      assert.equal(indexed.get("error")!.event.err.stack, STACK_TRACE);
      assert.deepEqual([indexed.get("traced")!.event.trace_id, indexed.get("traced")!.event.span_id], [TRACE.traceId, TRACE.spanId]);
      assert.equal(indexed.get("invalid-utf8")!.event.name, "caf\uFFFD");
      assert.equal(indexed.get("oversized")!.event.detail.length, 64 * 1024);
    });

    it("keeps a line that is not JSON whole, in raw_message", () => {
      const { event } = indexed.get("non-json")!;
      assert.equal(event.raw_message, NON_JSON);
      assert.equal(event.message, undefined);
    });
  });

  it("reports VRL's own diagnostic for a program that does not compile, and a condition that is not a boolean", () => {
    const [misspelt, notBoolean] = runVrl(
      binary,
      [
        { name: "misspelt", source: '.level = downcas(string!(.level))', kind: "remap" },
        { name: "not-boolean", source: "string(.level) ?? \"\"", kind: "condition" },
      ],
      [],
    );
    assert.match(misspelt.diagnostics!, /error\[E105\]: call to undefined function/);
    assert.match(misspelt.diagnostics!, /downcas\(string!\(\.level\)\)/);
    assert.match(misspelt.diagnostics!, /did you mean "downcase"\?/);
    assert.equal(misspelt.runs.length, 0);
    assert.equal(notBoolean.diagnostics, "VRL conditions must return a boolean.");
  });
});
