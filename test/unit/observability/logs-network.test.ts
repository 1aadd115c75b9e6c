import * as assert from "node:assert/strict";
import { NetworkModel, type Pod } from "../../support/networkReach";
import { enforcedDirections, openedFlows } from "../../support/policyFlows";
import { objectsOf, type MockRun, stackRun } from "../../support/runs";

const NS = "observability";
const AGENT_NS = "log-agent";
const name = (app: string) => ({ "app.kubernetes.io/name": app });
const peer = (namespace: string, app: string) => `${namespace}/app.kubernetes.io/name=${app}`;
const DNS = ["to kube-system/k8s-app=kube-dns TCP/53", "to kube-system/k8s-app=kube-dns UDP/53"];
// The stack's configured API server (observability.prometheus.apiServer): one address and its one port, no range.
const API_SERVER = ["to cidr:API_SERVER TCP/6443"];
const API_SERVER_ADDRESS = { staging: "192.0.2.10/32", production: "192.0.2.20/32" };

/** Exactly what each log-pipeline pod may send and receive; anything else is a failure. */
const EXPECTED_FLOWS: Record<string, { namespace: string; ingress: string[]; egress: string[] }> = {
  kafka: {
    namespace: NS,
    ingress: [
      `from ${peer(AGENT_NS, "vector-agent")} TCP/9092`,
      `from ${peer(NS, "kafka")} TCP/9092`,
      `from ${peer(NS, "kafka")} TCP/9093`,
      `from ${peer(NS, "kafka-acls")} TCP/9092`,
      `from ${peer(NS, "kafka-topics")} TCP/9092`,
      `from ${peer(NS, "vector-aggregator")} TCP/9092`,
    ],
    egress: [...DNS, `to ${peer(NS, "kafka")} TCP/9092`, `to ${peer(NS, "kafka")} TCP/9093`],
  },
  elasticsearch: {
    namespace: NS,
    ingress: [
      `from ${peer(NS, "elasticsearch")} TCP/9300`,
      `from ${peer(NS, "elasticsearch-setup")} TCP/9200`,
      // Grafana's Elasticsearch datasource, admitted by a policy of Grafana's own (grafana.test.ts).
      `from ${peer(NS, "grafana")} TCP/9200`,
      `from ${peer(NS, "kibana")} TCP/9200`,
      `from ${peer(NS, "vector-aggregator")} TCP/9200`,
    ],
    egress: [...DNS, `to ${peer(NS, "elasticsearch")} TCP/9300`],
  },
  kibana: { namespace: NS, ingress: [`from ${peer(NS, "kibana-setup")} TCP/5601`], egress: [...DNS, `to ${peer(NS, "elasticsearch")} TCP/9200`] },
  "vector-agent": {
    namespace: AGENT_NS,
    ingress: [`from ${peer(NS, "prometheus")} TCP/9598`],
    egress: [...API_SERVER, ...DNS, `to ${peer(NS, "kafka")} TCP/9092`],
  },
  "vector-aggregator": {
    namespace: NS,
    ingress: [`from ${peer(NS, "prometheus")} TCP/9598`],
    egress: [...DNS, `to ${peer(NS, "elasticsearch")} TCP/9200`, `to ${peer(NS, "kafka")} TCP/9092`],
  },
  "kafka-acls": { namespace: NS, ingress: [], egress: [...DNS, `to ${peer(NS, "kafka")} TCP/9092`] },
  "kafka-topics": { namespace: NS, ingress: [], egress: [...DNS, `to ${peer(NS, "kafka")} TCP/9092`] },
  "elasticsearch-setup": { namespace: NS, ingress: [], egress: [...DNS, `to ${peer(NS, "elasticsearch")} TCP/9200`] },
  "kibana-setup": { namespace: NS, ingress: [], egress: [...DNS, `to ${peer(NS, "kibana")} TCP/5601`] },
};

const pod = (namespace: string, app: string): Pod => ({ namespace, labels: name(app) });
const PODS = {
  app: pod("apps", "items-api"),
  agent: pod(AGENT_NS, "vector-agent"),
  aggregator: pod(NS, "vector-aggregator"),
  kafka: pod(NS, "kafka"),
  elasticsearch: pod(NS, "elasticsearch"),
  kibana: pod(NS, "kibana"),
  prometheus: pod(NS, "prometheus"),
  jaeger: pod(NS, "jaeger"),
  aclJob: pod(NS, "kafka-acls"),
  topicJob: pod(NS, "kafka-topics"),
  esSetup: pod(NS, "elasticsearch-setup"),
  kibanaSetup: pod(NS, "kibana-setup"),
};

for (const stack of ["staging", "production"] as const) {
  describe(`log pipeline NetworkPolicies on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    for (const [app, expected] of Object.entries(EXPECTED_FLOWS)) {
      it(`opens exactly the listed flows for ${app}, and denies both directions by default`, () => {
        const objects = objectsOf(run);
        const egress = expected.egress.map((flow) => flow.replace("API_SERVER", API_SERVER_ADDRESS[stack]));
        assert.deepEqual(openedFlows(objects, expected.namespace, name(app)), { ingress: [...expected.ingress].sort(), egress: egress.sort() });
        assert.deepEqual(enforcedDirections(objects, expected.namespace, name(app)), ["Egress", "Ingress"]);
      });
    }

    it("lets every hop of the log path connect, both ends agreeing", () => {
      const model = new NetworkModel(objectsOf(run));
      const hops: [keyof typeof PODS, keyof typeof PODS, number][] = [
        ["agent", "kafka", 9092],
        ["aggregator", "kafka", 9092],
        ["aggregator", "elasticsearch", 9200],
        ["kibana", "elasticsearch", 9200],
        ["elasticsearch", "elasticsearch", 9300],
        ["kafka", "kafka", 9093],
        ["kafka", "kafka", 9092],
        ["aclJob", "kafka", 9092],
        ["topicJob", "kafka", 9092],
        ["esSetup", "elasticsearch", 9200],
        ["kibanaSetup", "kibana", 5601],
        ["prometheus", "agent", 9598],
        ["prometheus", "aggregator", 9598],
      ];
      const blocked = hops.filter(([from, to, port]) => !model.canConnect(PODS[from], PODS[to], port)).map(([from, to, port]) => `${from}→${to}:${port}`);
      assert.deepEqual(blocked, []);
    });

    it("keeps apps, Jaeger and the wrong pipeline stages away from Kafka, Elasticsearch and Kibana", () => {
      const model = new NetworkModel(objectsOf(run));
      const forbidden: [keyof typeof PODS, keyof typeof PODS, number][] = [
        ["app", "kafka", 9092],
        ["app", "elasticsearch", 9200],
        ["app", "kibana", 5601],
        ["agent", "elasticsearch", 9200],
        ["kibana", "kafka", 9092],
        ["jaeger", "elasticsearch", 9200],
        ["aggregator", "kafka", 9093],
        ["agent", "kafka", 9093],
        ["aggregator", "elasticsearch", 9300],
        ["prometheus", "elasticsearch", 9200],
        ["esSetup", "kafka", 9092],
        ["aclJob", "kafka", 9093],
        ["topicJob", "kafka", 9093],
      ];
      const open = forbidden.filter(([from, to, port]) => model.canConnect(PODS[from], PODS[to], port)).map(([from, to, port]) => `${from}→${to}:${port}`);
      assert.deepEqual(open, []);
    });
  });
}
