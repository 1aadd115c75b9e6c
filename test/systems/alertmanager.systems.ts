import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ALERTMANAGER_SECRETS_DIR } from "../../components/observability/alertmanager";
import { kubernetesObjects } from "../../scripts/lib/manifests";
import { runBlueprint } from "../../scripts/lib/mockRun";
import { AlertmanagerProcess } from "./support/alertmanagerProcess";
import { WebhookReceiver } from "./support/webhook";

type Any = Record<string, any>;

/** The staging render's alertmanager.yml, and the Secret keys its receivers read as files. */
async function stagingAlertmanagerConfig(): Promise<{ config: Any; secretKeys: string[] }> {
  const objects = kubernetesObjects((await runBlueprint("staging")).resources);
  const configMap = objects.find((object) => object.kind === "ConfigMap" && object.metadata.name === "alertmanager-config") as Any;
  const text: string = configMap.data["alertmanager.yml"];
  const secretKeys = [...new Set([...text.matchAll(new RegExp(`${ALERTMANAGER_SECRETS_DIR}/([A-Za-z0-9._-]+)`, "g"))].map((match) => match[1]))];
  return { config: parse(text), secretKeys };
}

/**
 * The rendered staging config with only its outside world moved onto the test host: the receivers' Secret
 * files live in a temporary directory and hold the test receiver's 127.0.0.1 URL. Routes, inhibitions and
 * receivers are the render's own.
 */
function localConfig(config: Any, secretsDir: string): string {
  return stringify(config).replaceAll(`${ALERTMANAGER_SECRETS_DIR}/`, `${secretsDir}/`);
}

const alert = (labels: Record<string, string>) => ({ labels: { environment: "staging", ...labels }, annotations: { summary: `${labels.alertname} (systems test)` } });

describe("Alertmanager with the staging config, for real on 127.0.0.1", function () {
  this.timeout(180_000);
  let dir: string;
  const receiver = new WebhookReceiver();
  let alertmanager: AlertmanagerProcess;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-systems-"));
    const receiverUrl = await receiver.start();
    const { config, secretKeys } = await stagingAlertmanagerConfig();
    assert.ok(secretKeys.length > 0, "the staging receivers read no Secret file");
    const secretsDir = path.join(dir, "secrets");
    fs.mkdirSync(secretsDir);
    for (const key of secretKeys) fs.writeFileSync(path.join(secretsDir, key), `${receiverUrl}/${key}`);
    const configFile = path.join(dir, "alertmanager.yml");
    fs.writeFileSync(configFile, localConfig(config, secretsDir));
    alertmanager = new AlertmanagerProcess(configFile, dir);
    await alertmanager.start();
  });

  after(async () => {
    await alertmanager?.stop();
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = async (alerts: object[]) => {
    const response = await fetch(`${alertmanager.url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
    assert.equal(response.status, 200, await response.text());
  };

  it("delivers a critical service alert to the stack's critical receiver, through the Secret file's URL", async () => {
    await post([alert({ alertname: "ServiceDown", severity: "critical", layer: "service", namespace: "apps", app: "items-api" })]);
    const delivery = await receiver.next((d) => JSON.stringify(d.body).includes("ServiceDown"));
    assert.equal(delivery.path, "/slack-webhook-url");
    assert.equal(delivery.body.channel, "#platform-staging-alerts");
  });

  it("inhibits service alerts while a platform alert fires, and still delivers the platform alert", async () => {
    await post([
      alert({ alertname: "ScrapeDiscoveryLost", severity: "critical", layer: "platform", job: "kubernetes-pods" }),
      alert({ alertname: "HighErrorRate", severity: "critical", layer: "service", namespace: "apps", app: "orders" }),
    ]);
    const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as Any[];
    const byName = Object.fromEntries(alerts.map((entry) => [entry.labels.alertname, entry]));
    assert.equal(byName.HighErrorRate.status.state, "suppressed", JSON.stringify(byName.HighErrorRate.status));
    assert.deepEqual(byName.HighErrorRate.status.inhibitedBy.length, 1);
    assert.equal(byName.ScrapeDiscoveryLost.status.state, "active");
    const delivery = await receiver.next((d) => JSON.stringify(d.body).includes("ScrapeDiscoveryLost"));
    assert.doesNotMatch(JSON.stringify(delivery.body), /HighErrorRate/);
  });
});
