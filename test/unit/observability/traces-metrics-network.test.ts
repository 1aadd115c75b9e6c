import * as assert from "node:assert/strict";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { openedFlows, enforcedDirections } from "../../support/policyFlows";
import { objectsOf, runWith, stackRun, type MockRun } from "../../support/runs";

type Any = Record<string, any>;
const NS = "observability";
const JAEGER = { "app.kubernetes.io/name": "jaeger" };
const PROMETHEUS = { "app.kubernetes.io/name": "prometheus" };
const ITEMS_API = { "app.kubernetes.io/name": "items-api" };
// Grafana queries Jaeger's query port and Prometheus (observability.md, Grafana); its own policies admit it.
const FROM_GRAFANA = "from observability/app.kubernetes.io/name=grafana";
const DNS = ["to kube-system/k8s-app=kube-dns TCP/53", "to kube-system/k8s-app=kube-dns UDP/53"];
// Every enrolled pod in every enrolled namespace: how the platform admits services it does not know by name.
const ENROLLED = "ns[observability.blueprint.io/enrolled=true]/observability.blueprint.io/enrolled=true";
const API_SERVER = { staging: "192.0.2.10/32", production: "192.0.2.20/32" };

function withUiClients(stack: string): Promise<MockRun> {
  const raw = loadStackFile(stack);
  const observability = raw.values.observability as Any;
  const ingressNginx = { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } };
  const edited = {
    ...observability,
    jaeger: { ...observability.jaeger, uiAllowFrom: [ingressNginx] },
    prometheus: { ...observability.prometheus, uiAllowFrom: [{ namespace: "grafana", podLabels: { "app.kubernetes.io/name": "grafana" } }] },
  };
  return runWith(stack, { values: { ...raw.values, observability: edited }, secretKeys: raw.secretKeys });
}

for (const stack of ["staging", "production"] as const) {
  describe(`Jaeger and Prometheus NetworkPolicies on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it("deny both directions by default for Jaeger and Prometheus (default-deny selects them)", () => {
      assert.deepEqual(enforcedDirections(objectsOf(run), NS, JAEGER), ["Egress", "Ingress"]);
      assert.deepEqual(enforcedDirections(objectsOf(run), NS, PROMETHEUS), ["Egress", "Ingress"]);
    });

    it("let Jaeger receive OTLP (4317, 4318) from enrolled pods and nothing else; its UI is open to Grafana only; it connects nowhere but DNS", () => {
      const flows = openedFlows(objectsOf(run), NS, JAEGER);
      assert.deepEqual(flows.ingress, [`from ${ENROLLED} TCP/4317`, `from ${ENROLLED} TCP/4318`, `${FROM_GRAFANA} TCP/16686`].sort());
      assert.deepEqual(flows.egress, DNS);
    });

    it("let the service's pods send OTLP to Jaeger (the other half of the app→Jaeger flow)", () => {
      const egress = openedFlows(objectsOf(run), "apps", ITEMS_API).egress;
      assert.ok(egress.includes("to observability/app.kubernetes.io/name=jaeger TCP/4317"), egress.join("\n"));
      assert.ok(egress.includes("to observability/app.kubernetes.io/name=jaeger TCP/4318"), egress.join("\n"));
    });

    it("let Prometheus reach exactly the enrolled pods' metrics port, Vector, Alertmanager, kube-state-metrics, the one API server address and the kubelets, and accept Grafana's queries only", () => {
      const flows = openedFlows(objectsOf(run), NS, PROMETHEUS);
      assert.deepEqual(flows.ingress, [`${FROM_GRAFANA} TCP/9090`]);
      assert.deepEqual(
        flows.egress,
        [
          ...DNS,
          `to ${ENROLLED} TCP/http`,
          `to ${ENROLLED} TCP/metrics`,
          `to cidr:${API_SERVER[stack]} TCP/6443`,
          "to observability/app.kubernetes.io/name=alertmanager TCP/9093",
          "to log-agent/app.kubernetes.io/name=vector-agent TCP/9598",
          "to observability/app.kubernetes.io/name=vector-aggregator TCP/9598",
          "to observability/app.kubernetes.io/name=kube-state-metrics TCP/8080",
          "to cidr:198.51.100.0/24 TCP/10250",
        ].sort(),
      );
    });

    it("let the service's pods accept Prometheus' scrape on their port (the other half of the scrape flow)", () => {
      const ingress = openedFlows(objectsOf(run), "apps", ITEMS_API).ingress;
      assert.ok(ingress.includes("from observability/app.kubernetes.io/name=prometheus TCP/8000"), ingress.join("\n"));
    });
  });
}

describe("UI access from config", () => {
  it("opens the Jaeger UI (16686) and the Prometheus UI (9090) to exactly the configured pods, and nothing more", async () => {
    const run = await withUiClients("staging");
    const jaeger = openedFlows(objectsOf(run), NS, JAEGER).ingress;
    assert.deepEqual(jaeger, [`from ${ENROLLED} TCP/4317`, `from ${ENROLLED} TCP/4318`, `${FROM_GRAFANA} TCP/16686`, "from ingress-nginx/app.kubernetes.io/name=ingress-nginx TCP/16686"].sort());
    assert.deepEqual(openedFlows(objectsOf(run), NS, PROMETHEUS).ingress, [`${FROM_GRAFANA} TCP/9090`, "from grafana/app.kubernetes.io/name=grafana TCP/9090"].sort());
  });
});
