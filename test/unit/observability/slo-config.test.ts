import * as assert from "node:assert/strict";
import { parseConfig } from "../../../components/stackConfig";
import { LATENCY_BUCKETS_SECONDS, resolveObjectives } from "../../../components/objectives";
import { alertRules, SLO_RECORD, SLO_WINDOWS, sloGroupName, sloPanelQueries } from "../../../components/observability/prometheus";
import type { AlertRule, RecordingRule } from "../../../components/observability/prometheus/alertRules";
import { appWorkloads } from "../../../components/platformEndpoints";
import { HTTP_DURATION_BUCKETS } from "../../../app/src/metrics/metrics";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { assertConfigMapFits, CONFIGMAP_MAX_BYTES } from "../../../components/k8s/controllers";
import { runWith } from "../../support/runs";
import { edited, problemsOf } from "../../support/stackEdits";

type Any = Record<string, any>;
const RUNBOOK_BASE = "https://git.example.com/platform/docs/runbooks";


const objectiveOf = (values: Any, kind: "availability" | "latency") => (values.services["items-api"].objectives ??= {})[kind];
const setOwn = (kind: "availability" | "latency", value: unknown) => (values: Any) => {
  values.services["items-api"].objectives = { [kind]: value };
};

describe("service level objectives: config (components/objectives.ts)", () => {
  it("keeps the platform's latency buckets equal to the ones the Items API exposes", () => {
    assert.deepEqual([...LATENCY_BUCKETS_SECONDS], HTTP_DURATION_BUCKETS);
  });

  for (const stack of ["local", "staging", "production"]) {
    it(`gives every service of the committed ${stack} stack an availability and a latency objective that fit the retention`, () => {
      const config = parseConfig(loadStackFile(stack), stack);
      const [workload] = appWorkloads(config.services, config.namespaces.apps, config.objectives);
      assert.deepEqual(
        workload.objectives.map((objective) => objective.kind),
        ["availability", "latency"],
      );
      const retention = Number(config.observability.prometheus.retention.replace(/d$/, ""));
      for (const objective of workload.objectives) assert.ok(objective.windowDays <= retention, `${stack}: ${objective.kind} window ${objective.windowDays}d > retention ${retention}d`);
    });
  }

  const refused: { what: string; edit: (values: Any) => void; key: RegExp; message: RegExp }[] = [
    { what: "a target of 100%", edit: setOwn("availability", { target: 100, window: "7d" }), key: /services\.items-api\.objectives\.availability\.target/, message: /must be below 100: .* no error budget/ },
    { what: "a target below 50%", edit: setOwn("availability", { target: 42, window: "7d" }), key: /services\.items-api\.objectives\.availability\.target/, message: /must be at least 50/ },
    { what: "a window in hours", edit: setOwn("availability", { target: 99.9, window: "36h" }), key: /services\.items-api\.objectives\.availability\.window/, message: /whole number of days such as 28d/ },
    { what: "a window in weeks", edit: setOwn("latency", { target: 99, thresholdSeconds: 0.25, window: "4w" }), key: /services\.items-api\.objectives\.latency\.window/, message: /whole number of days/ },
    { what: "a window shorter than a week", edit: setOwn("availability", { target: 99.9, window: "3d" }), key: /services\.items-api\.objectives\.availability\.window/, message: /at least 7d/ },
    {
      what: "a latency threshold that is not a bucket bound, naming the nearest bounds",
      edit: setOwn("latency", { target: 99, thresholdSeconds: 0.3, window: "7d" }),
      key: /services\.items-api\.objectives\.latency\.thresholdSeconds/,
      message: /0\.3 is not a bucket bound of http_request_duration_seconds.*the nearest bounds are 0\.25 and 0\.5/,
    },
    { what: "a misspelt key inside an objective", edit: setOwn("availability", { target: 99.9, windw: "7d" }), key: /services\.items-api\.objectives\.availability: unknown key\(s\) 'windw'/, message: /availability\.window: is required/ },
    { what: "an objective that is neither false nor an object", edit: setOwn("latency", "yes"), key: /services\.items-api\.objectives\.latency: expected false \(no objective\) or an objective/, message: /thresholdSeconds: 0\.25/ },
    {
      what: "a window longer than Prometheus keeps",
      edit: setOwn("availability", { target: 99.9, window: "28d" }),
      key: /services\.items-api\.objectives\.availability\.window/,
      message: /28d is longer than observability\.prometheus\.retention \(7d\)/,
    },
    {
      what: "a platform default that does not fit either",
      edit: (values) => (values.objectives.latency.window = "14d"),
      key: /production-blueprint:objectives\.latency\.window/,
      message: /14d is longer than observability\.prometheus\.retention \(7d\)/,
    },
  ];
  for (const { what, edit, key, message } of refused) {
    it(`refuses ${what}, naming the key`, () => {
      const problems = problemsOf(edited("staging", edit), "staging");
      assert.match(problems, key);
      assert.match(problems, message);
      assert.doesNotMatch(problems, /Invalid input$/m, "a bare 'Invalid input' names no problem");
    });
  }

  it("lets a service replace a default objective, or turn it off with false", () => {
    const config = parseConfig(
      edited("staging", (values) => {
        values.services["items-api"].objectives = { availability: { target: 99.5, window: "7d" }, latency: false };
      }),
      "staging",
    );
    const objectives = resolveObjectives(config.objectives, config.services["items-api"].objectives);
    assert.deepEqual(objectives, [{ kind: "availability", target: 99.5, windowDays: 7 }]);
    assert.equal(objectiveOf(structuredClone(loadStackFile("staging").values) as Any, "latency"), undefined, "the committed service takes the defaults");
  });
});

describe("service level objectives: generated rules (observability/prometheus/sloRules.ts)", () => {
  const config = parseConfig(loadStackFile("staging"), "staging");
  const rulesFor = (services: Any, defaults = config.objectives) => alertRules(appWorkloads(services, "apps", defaults), RUNBOOK_BASE);
  const alertNames = (file: ReturnType<typeof alertRules>) =>
    file.groups
      .flatMap((group) => group.rules)
      .filter((rule): rule is AlertRule => "alert" in rule)
      .map((rule) => rule.alert);

  it("records the error ratio over every window an alert reads, then the period, the objective and the budget left", () => {
    const group = rulesFor(config.services).groups.find((candidate) => candidate.name === sloGroupName({ namespace: "apps", name: "items-api" }))!;
    const records = (group.rules as RecordingRule[]).filter((rule) => rule.record !== undefined && rule.labels?.slo === "availability").map((rule) => rule.record);
    assert.deepEqual(records, [
      SLO_RECORD.badRate5m,
      SLO_RECORD.totalRate5m,
      ...SLO_WINDOWS.map((window) => SLO_RECORD.errorRatio(window)),
      SLO_RECORD.periodErrorRatio,
      SLO_RECORD.objective,
      SLO_RECORD.budgetRemaining,
    ]);
    assert.deepEqual([...SLO_WINDOWS], ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
  });

  it("keeps the threshold alerts only where a service has no objective of that kind", () => {
    assert.ok(!alertNames(rulesFor(config.services)).includes("HighErrorRate"));
    assert.ok(!alertNames(rulesFor(config.services)).includes("HighLatencyP99"));
    const none = rulesFor(config.services, {});
    assert.ok(alertNames(none).includes("HighErrorRate") && alertNames(none).includes("HighLatencyP99"));
    assert.ok(!alertNames(none).some((name) => name.startsWith("ErrorBudget")));
    const onlyLatency = rulesFor(config.services, { latency: config.objectives.latency });
    assert.ok(alertNames(onlyLatency).includes("HighErrorRate") && !alertNames(onlyLatency).includes("HighLatencyP99"));
  });

  it("reads a latency objective from the histogram bucket of its threshold, an integer bound as Prometheus 2 and 3 write it", () => {
    const services = { "items-api": { ...config.services["items-api"], objectives: { latency: { target: 99, thresholdSeconds: 1, window: 7 } } } };
    const rules = rulesFor(services, {}).groups.flatMap((group) => group.rules) as RecordingRule[];
    const bad = rules.find((rule) => rule.record === SLO_RECORD.badRate5m)!;
    assert.match(bad.expr, /http_request_duration_seconds_bucket\{[^}]*le=~"1\|1\[\.\]0"\}/);
    const quarter = (rulesFor(config.services).groups.flatMap((group) => group.rules) as RecordingRule[]).find((rule) => rule.record === SLO_RECORD.badRate5m && rule.labels?.slo === "latency")!;
    assert.match(quarter.expr, /le="0\.25"/);
  });

  it("adds the same number of rules and one group per extra service: 50 more services grow the file linearly", () => {
    const many = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, index) => [`svc-${index}`, { ...config.services["items-api"], namespace: `team-${index}` }]));
    const count = (file: ReturnType<typeof alertRules>) => ({ groups: file.groups.length, rules: file.groups.flatMap((group) => group.rules).length });
    const one = count(rulesFor(many(1)));
    const two = count(rulesFor(many(2)));
    const fiftyOne = count(rulesFor(many(51)));
    const perService = { groups: two.groups - one.groups, rules: two.rules - one.rules };
    assert.deepEqual(perService, { groups: 2, rules: 33 }, "a service group of 5 alerts and an SLO group of 2 × (12 records + 2 alerts)");
    assert.deepEqual(fiftyOne, { groups: one.groups + 50 * perService.groups, rules: one.rules + 50 * perService.rules });
  });

  it("gives a dashboard the budget left and the burn rate per window of each objective", () => {
    const queries = sloPanelQueries({ namespace: "apps", name: "items-api" }, { kind: "availability", target: 99.9, windowDays: 28 });
    assert.equal(queries.budgetRemaining, `${SLO_RECORD.budgetRemaining}{namespace="apps",app="items-api",slo="availability"}`);
    assert.equal(queries.burnRate["1h"], `${SLO_RECORD.errorRatio("1h")}{namespace="apps",app="items-api",slo="availability"} / 0.001`);
  });
});

describe("service level objectives: a stack that outgrows one rules ConfigMap", () => {
  it("is refused when the program runs, naming the ConfigMap, its size and what to do", async () => {
    const raw = loadStackFile("staging");
    const values = structuredClone(raw.values) as Any;
    const { ingress: _ingress, ...items } = values.services["items-api"];
    for (let index = 0; index < 70; index += 1) values.services[`svc-${index}`] = { ...structuredClone(items), namespace: `team-${index % 5}` };
    await assert.rejects(runWith("staging", { values, secretKeys: raw.secretKeys }), (error: Error) => {
      assert.match(error.message, /ConfigMap prometheus-rules: its files hold \d+ bytes \(alerts\.yaml \d+ bytes\), over the 1048576 bytes \(1 MiB\)/);
      assert.match(error.message, /the rules of 71 services do not fit; .*split the services over more stacks/);
      return true;
    });
  });

  it("accepts a file of exactly 1 MiB and refuses one byte more", () => {
    const name = "alerts.yaml";
    const fits = "x".repeat(CONFIGMAP_MAX_BYTES - name.length);
    assert.doesNotThrow(() => assertConfigMapFits("test/rules", { [name]: fits }));
    assert.throws(() => assertConfigMapFits("test/rules", { [name]: `${fits}x` }), /ConfigMap test\/rules: its files hold 1048577 bytes/);
  });
});
