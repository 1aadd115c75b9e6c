import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../../components/stackConfig";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { openedFlows, enforcedDirections } from "../../support/policyFlows";
import { amtoolCheckConfig, requireAmtool } from "../../support/amtool";
import { findObject, objectsOf, stackRun, type MockRun } from "../../support/runs";

type Any = Record<string, any>;
const NS = "observability";
const ALERTMANAGER = { "app.kubernetes.io/name": "alertmanager" };
const renderedConfig = (run: MockRun): Any => parse((findObject(run, "ConfigMap", "alertmanager-config", NS) as Any).data["alertmanager.yml"]);

const EXPECTED = {
  staging: { replicas: 1, critical: "slack_configs", warning: "slack_configs" },
  production: { replicas: 3, critical: "pagerduty_configs", warning: "slack_configs" },
} as const;

for (const stack of ["staging", "production"] as const) {
  describe(`Alertmanager on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it(`runs ${EXPECTED[stack].replicas} replica(s), clustered by gossip when there are several`, () => {
      const statefulSet = findObject(run, "StatefulSet", "alertmanager", NS) as Any;
      assert.equal(statefulSet.spec.replicas, EXPECTED[stack].replicas);
      const args: string[] = statefulSet.spec.template.spec.containers[0].args;
      const peers = args.filter((arg) => arg.startsWith("--cluster.peer="));
      if (EXPECTED[stack].replicas > 1) {
        assert.deepEqual(peers, [0, 1, 2].map((i) => `--cluster.peer=alertmanager-${i}.alertmanager-headless.${NS}.svc.cluster.local:9094`));
      } else {
        assert.ok(args.includes("--cluster.listen-address="), "a single replica turns gossip off");
      }
    });

    it("routes by severity to the stack's receivers, reading every credential from a mounted Secret file", () => {
      const config = renderedConfig(run);
      assert.deepEqual(
        config.route.routes.map((route: Any) => [route.matchers, route.receiver]),
        [
          [['severity="critical"'], "critical"],
          [['severity="warning"'], "warning"],
        ],
      );
      const receivers = Object.fromEntries(config.receivers.map((receiver: Any) => [receiver.name, receiver]));
      assert.ok(receivers.critical[EXPECTED[stack].critical], JSON.stringify(receivers.critical));
      assert.ok(receivers.warning[EXPECTED[stack].warning], JSON.stringify(receivers.warning));
      const text = stringify(config.receivers);
      assert.doesNotMatch(text, /api_url:|routing_key:|service_key:/, "a credential inline in the config");
      assert.match(text, /_file: \/etc\/alertmanager\/secrets\//);
      const pod = (findObject(run, "StatefulSet", "alertmanager", NS) as Any).spec.template.spec;
      assert.equal(pod.volumes.find((volume: Any) => volume.name === "receivers").secret.secretName, "alertmanager-receivers");
    });

    it("inhibits every service alert while a platform alert fires, so one cause pages once", () => {
      const inhibit = renderedConfig(run).inhibit_rules;
      assert.deepEqual(inhibit[0], { source_matchers: ['layer="platform"', 'severity="critical"'], target_matchers: ['layer="service"'], equal: ["environment"] });
    });

    it("is where Prometheus sends alerts: every replica by name", () => {
      const prometheus = parse((findObject(run, "ConfigMap", "prometheus-config", NS) as Any).data["prometheus.yml"]);
      const targets = prometheus.alerting.alertmanagers[0].static_configs[0].targets;
      assert.equal(targets.length, EXPECTED[stack].replicas);
      for (const target of targets) assert.match(target, new RegExp(`^alertmanager-\\d\\.alertmanager-headless\\.${NS}\\.svc\\.cluster\\.local:9093$`));
    });

    it("opens exactly its flows: Prometheus and Grafana in on 9093, gossip among replicas, receivers out on 443 outside private ranges", () => {
      const objects = objectsOf(run);
      assert.deepEqual(enforcedDirections(objects, NS, ALERTMANAGER), ["Egress", "Ingress"]);
      const flows = openedFlows(objects, NS, ALERTMANAGER);
      const self = `${NS}/app.kubernetes.io/name=alertmanager`;
      const gossip = EXPECTED[stack].replicas > 1 ? [`${self} TCP/9094`, `${self} UDP/9094`] : [];
      assert.deepEqual(flows.ingress, [`from ${NS}/app.kubernetes.io/name=prometheus TCP/9093`, `from ${NS}/app.kubernetes.io/name=grafana TCP/9093`, ...gossip.map((flow) => `from ${flow}`)].sort());
      const dns = ["to kube-system/k8s-app=kube-dns TCP/53", "to kube-system/k8s-app=kube-dns UDP/53"];
      assert.deepEqual(flows.egress, [...dns, ...gossip.map((flow) => `to ${flow}`), "to cidr:0.0.0.0/0 except 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16 TCP/443"].sort());
    });

    it("passes amtool check-config", function () {
      requireAmtool(this);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-config-"));
      try {
        const file = path.join(dir, "alertmanager.yml");
        fs.writeFileSync(file, (findObject(run, "ConfigMap", "alertmanager-config", NS) as Any).data["alertmanager.yml"]);
        const result = amtoolCheckConfig(file);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /SUCCESS/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe("amtool check-config can fail (so the check above means something)", () => {
  it("rejects a route to a receiver that does not exist", async function () {
    requireAmtool(this);
    const config = renderedConfig(await stackRun("staging"));
    config.route.routes[0].receiver = "nobody";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-broken-"));
    try {
      fs.writeFileSync(path.join(dir, "alertmanager.yml"), stringify(config));
      const result = amtoolCheckConfig(path.join(dir, "alertmanager.yml"));
      assert.notEqual(result.status, 0, result.output);
      assert.match(result.output, /undefined receiver "nobody"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Alertmanager config validation", () => {
  it("requires at least two replicas in production", () => {
    const raw = loadStackFile("production");
    const values = structuredClone(raw.values) as Any;
    values.observability.alertmanager.replicas = 1;
    assert.throws(() => parseConfig({ values, secretKeys: raw.secretKeys }, "production"), /observability\.alertmanager\.replicas: production needs at least 2 replicas/);
  });
});
