import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIGMAP_MAX_BYTES } from "../../../components/k8s/controllers";
import { platformDashboards } from "../../../components/observability/dashboards";
import { DATASOURCE_UIDS, GRAFANA_IMAGE } from "../../../components/observability/grafana";
import { dashboardConfigMaps, grafanaDatasources } from "../../../components/observability/grafana/grafanaConfig";
import * as pulumi from "@pulumi/pulumi";
import { elasticsearchSetupRequests } from "../../../components/observability/elasticsearch";
import { platformEndpoints } from "../../../components/platformEndpoints";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { writeRender } from "../../../scripts/lib/manifests";
import { openedFlows } from "../../support/policyFlows";
import { findObject, objectsOf, runWith, stackRun, type MockRun } from "../../support/runs";
import { edited, problemsOf } from "../../support/stackEdits";

type Any = Record<string, any>;
const NS = "observability";
const GRAFANA = { "app.kubernetes.io/name": "grafana" };
const peer = (app: string) => `${NS}/app.kubernetes.io/name=${app}`;
const DNS = ["to kube-system/k8s-app=kube-dns TCP/53", "to kube-system/k8s-app=kube-dns UDP/53"];

const deployment = (run: MockRun): Any => findObject(run, "Deployment", "grafana", NS) as Any;
const container = (run: MockRun): Any => deployment(run).spec.template.spec.containers[0];
const provisioningFile = (run: MockRun, key: string): Any => parse((findObject(run, "ConfigMap", "grafana-provisioning", NS) as Any).data[key]);

/** grafana.ini's `[section]` / `key = value` text back into data. */
function iniValues(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current = "";
  for (const line of text.split("\n").filter((entry) => entry.trim() !== "")) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) sections[(current = header[1])] = {};
    else {
      const [key, ...value] = line.split(" = ");
      sections[current][key] = value.join(" = ");
    }
  }
  return sections;
}

/** Every file of the offline render, and the stack outputs: where a secret must never show in plaintext. */
function publicTexts(run: MockRun): { where: string; text: string }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grafana-render-"));
  try {
    writeRender(run.resources, dir);
    const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    return [{ where: "stack outputs", text: JSON.stringify(run.outputs) }, ...files.map((file) => ({ where: file.name, text: fs.readFileSync(path.join(file.parentPath, file.name), "utf8") }))];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const stack of ["staging", "production"] as const) {
  describe(`Grafana on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it("runs one restricted pod of the pinned OSS image, stateless (its data directory an emptyDir), with a PDB", () => {
      const workload = deployment(run);
      assert.equal(workload.spec.replicas, 1);
      assert.equal(container(run).image, GRAFANA_IMAGE);
      assert.match(container(run).image, /^grafana\/grafana:12\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
      const pod = workload.spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      const data = pod.volumes.find((volume: Any) => volume.name === "data");
      assert.ok(data.emptyDir, "the data directory is an emptyDir");
      assert.ok(!pod.volumes.some((volume: Any) => volume.persistentVolumeClaim), "no volume claim");
      assert.ok(findObject(run, "PodDisruptionBudget", "grafana", NS));
    });

    it("probes startup and readiness on /api/health, liveness only that the port answers", () => {
      const probes = container(run);
      for (const probe of [probes.startupProbe, probes.readinessProbe]) assert.deepEqual(probe.httpGet, { path: "/api/health", port: "http" });
      assert.deepEqual(probes.livenessProbe.tcpSocket, { port: "http" });
    });

    it("provisions exactly the datasources of DATASOURCE_UIDS, each with its fixed UID and not editable", () => {
      const { datasources } = provisioningFile(run, "datasources.yaml");
      assert.deepEqual(datasources.map((source: Any) => source.uid).sort(), Object.values(DATASOURCE_UIDS).sort());
      assert.ok(datasources.every((source: Any) => source.editable === false));
      const byUid = Object.fromEntries(datasources.map((source: Any) => [source.uid, source]));
      assert.equal(byUid[DATASOURCE_UIDS.alertmanager].type, "alertmanager");
      assert.equal(byUid[DATASOURCE_UIDS.alertmanager].jsonData.implementation, "prometheus");
      assert.equal(byUid[DATASOURCE_UIDS.jaeger].url, "http://jaeger-query.observability.svc.cluster.local:16686");
    });

    it("links logs to traces and traces to logs, with Grafana's template variables escaped from provisioning's own expansion", () => {
      const { datasources } = provisioningFile(run, "datasources.yaml");
      const byUid = Object.fromEntries(datasources.map((source: Any) => [source.uid, source]));
      const es = byUid[DATASOURCE_UIDS.elasticsearch];
      assert.deepEqual(es.jsonData.dataLinks, [{ field: "trace_id", url: "$${__value.raw}", datasourceUid: DATASOURCE_UIDS.jaeger }]);
      const toLogs = byUid[DATASOURCE_UIDS.jaeger].jsonData.tracesToLogsV2;
      assert.equal(toLogs.datasourceUid, DATASOURCE_UIDS.elasticsearch);
      assert.equal(toLogs.query, 'trace_id:"$${__span.traceId}"');
    });

    it("reads Elasticsearch as grafana-reader over verified TLS, its password and CA from mounted files", () => {
      const es = provisioningFile(run, "datasources.yaml").datasources.find((source: Any) => source.uid === DATASOURCE_UIDS.elasticsearch);
      assert.equal(es.url, "https://elasticsearch.observability.svc.cluster.local:9200");
      assert.equal(es.basicAuthUser, "grafana-reader");
      assert.equal(es.jsonData.tlsAuthWithCACert, true);
      assert.equal(es.jsonData.index, "app-logs-*");
      assert.equal(es.jsonData.timeField, "timestamp");
      assert.deepEqual(es.secureJsonData, { basicAuthPassword: "$__file{/etc/grafana/elasticsearch/password}", tlsCACert: "$__file{/etc/grafana/elasticsearch-ca/ca.crt}" });
      const mounts = Object.fromEntries(container(run).volumeMounts.map((mount: Any) => [mount.mountPath, mount.name]));
      const volumes = Object.fromEntries(deployment(run).spec.template.spec.volumes.map((volume: Any) => [volume.name, volume]));
      assert.equal(volumes[mounts["/etc/grafana/elasticsearch"]].secret.secretName, "grafana-reader-credentials");
      assert.equal(volumes[mounts["/etc/grafana/elasticsearch-ca"]].secret.secretName, "elasticsearch-ca");
    });

    it("puts Grafana's reader role and user into the Elasticsearch setup plan", () => {
      const plan = JSON.stringify(objectsOf(run).filter((object) => object.kind === "ConfigMap" && object.metadata.name.startsWith("elasticsearch-setup")));
      assert.ok(plan.includes("/_security/role/grafana-reader"), "the role is in the setup plan");
      assert.ok(plan.includes("/_security/user/grafana-reader"), "the user is in the setup plan");
    });

    it("keeps sign-up, anonymous access, Gravatar and every call home off, and session cookies secure", () => {
      const ini = iniValues((findObject(run, "ConfigMap", "grafana-settings", NS) as Any).data["grafana.ini"]);
      assert.equal(ini["auth.anonymous"].enabled, "false");
      assert.equal(ini.users.allow_sign_up, "false");
      assert.equal(ini.users.allow_org_create, "false");
      assert.equal(ini.security.disable_gravatar, "true");
      assert.equal(ini.security.cookie_secure, "true");
      assert.equal(ini.analytics.reporting_enabled, "false");
      assert.equal(ini.analytics.check_for_updates, "false");
      assert.equal(ini.analytics.check_for_plugin_updates, "false");
      assert.equal(ini.news.news_feed_enabled, "false");
      assert.equal(ini.snapshots.external_enabled, "false");
      assert.ok(!("admin_password" in ini.security), "no password in grafana.ini");
      assert.equal(ini.security.secret_key, "$__file{/etc/grafana/secrets/secret-key}");
    });

    it("reads the admin password from a mounted Secret file; no env value carries a secret", () => {
      const env = Object.fromEntries(container(run).env.map((entry: Any) => [entry.name, entry]));
      assert.equal(env.GF_SECURITY_ADMIN_PASSWORD__FILE.value, "/etc/grafana/secrets/admin-password");
      assert.ok(!("GF_SECURITY_ADMIN_PASSWORD" in env));
      assert.deepEqual(Object.keys(env).sort(), ["GF_PATHS_CONFIG", "GF_SECURITY_ADMIN_PASSWORD__FILE"]);
      const mount = container(run).volumeMounts.find((entry: Any) => entry.mountPath === "/etc/grafana/secrets");
      const volume = deployment(run).spec.template.spec.volumes.find((entry: Any) => entry.name === mount.name);
      assert.equal(volume.secret.secretName, "grafana-secrets");
    });

    it("never shows the generated admin password in plaintext, JSON-escaped or base64 in the outputs or the render", () => {
      const secret = run.resources.find((resource) => resource.type === "kubernetes:core/v1:Secret" && (resource.inputs.metadata as Any).name === "grafana-secrets");
      assert.ok(secret, "the grafana-secrets Secret is declared");
      const password = (secret.inputs.stringData as Any).value?.["admin-password"] as string;
      assert.ok(run.generatedSecrets.includes(password), "the admin password is generated and marked secret in state");
      const forms = [password, JSON.stringify(password).slice(1, -1), Buffer.from(password).toString("base64")];
      const leaks = publicTexts(run).filter((view) => forms.some((form) => view.text.includes(form)));
      assert.deepEqual(leaks.map((view) => view.where), []);
    });

    it("opens exactly Grafana's flows: out to each datasource's query port, in from nobody (no uiAllowFrom)", () => {
      const flows = openedFlows(objectsOf(run), NS, GRAFANA);
      assert.deepEqual(flows.ingress, []);
      assert.deepEqual(flows.egress, [...DNS, `to ${peer("alertmanager")} TCP/9093`, `to ${peer("elasticsearch")} TCP/9200`, `to ${peer("jaeger")} TCP/16686`, `to ${peer("prometheus")} TCP/9090`].sort());
    });

    it("admits Grafana at each datasource, on its query port only", () => {
      const from = `from ${peer("grafana")}`;
      const expected: Record<string, string> = { prometheus: "TCP/9090", alertmanager: "TCP/9093", jaeger: "TCP/16686", elasticsearch: "TCP/9200" };
      for (const [app, port] of Object.entries(expected)) {
        const ingress = openedFlows(objectsOf(run), NS, { "app.kubernetes.io/name": app }).ingress.filter((flow) => flow.startsWith(from));
        assert.deepEqual(ingress, [`${from} ${port}`], app);
      }
    });

    it("mounts one ConfigMap per platform dashboard under the file provider's path", () => {
      const dashboards = platformDashboards({ logs: true });
      const provider = provisioningFile(run, "platform.yaml").providers[0];
      assert.equal(provider.type, "file");
      assert.equal(provider.allowUiUpdates, false);
      const mounted = container(run).volumeMounts.filter((mount: Any) => mount.mountPath.startsWith(`${provider.options.path}/`));
      assert.deepEqual(mounted.map((mount: Any) => mount.mountPath).sort(), dashboards.map((dashboard) => `${provider.options.path}/${dashboard.uid}`).sort());
      for (const dashboard of dashboards) assert.ok(findObject(run, "ConfigMap", `grafana-dashboard-${dashboard.uid}`, NS));
    });
  });
}

describe("Grafana turned off (observability.grafana.enabled: false)", () => {
  let run: MockRun;
  before(async () => (run = await runWith("staging", edited("staging", (values) => (values.observability.grafana.enabled = false)))));

  it("declares no Grafana object, no policy admitting it, and no Elasticsearch user for it", () => {
    const named = objectsOf(run).filter((object) => object.metadata.name.includes("grafana"));
    assert.deepEqual(named.map((object) => `${object.kind}/${object.metadata.name}`), []);
    const plan = JSON.stringify(objectsOf(run).filter((object) => object.kind === "ConfigMap" && object.metadata.name.startsWith("elasticsearch-setup")));
    assert.ok(plan.includes("/_security/user/logs-reader"), "the setup plan is there");
    assert.ok(!plan.includes("grafana"), "and names no Grafana user");
    assert.ok(!run.resources.some((resource) => resource.name.includes("grafana")), "no Grafana resource at all (passwords included)");
  });
});

describe("Grafana behind an Ingress (observability.grafana.ingress)", () => {
  const controller = { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } };
  const ingress = { host: "grafana.example.com", tlsSecretName: "grafana-tls" };

  it("routes the host to Grafana's Service over TLS, names the HTTPS address as root_url, and admits only the listed controller", async () => {
    const run = await runWith("staging", edited("staging", (values) => Object.assign(values.observability.grafana, { ingress, uiAllowFrom: [controller] })));
    const spec = (findObject(run, "Ingress", "grafana", NS) as Any).spec;
    assert.deepEqual(spec.tls, [{ hosts: ["grafana.example.com"], secretName: "grafana-tls" }]);
    assert.deepEqual(spec.rules[0].http.paths[0].backend, { service: { name: "grafana", port: { name: "http" } } });
    const ini = iniValues((findObject(run, "ConfigMap", "grafana-settings", NS) as Any).data["grafana.ini"]);
    assert.equal(ini.server.root_url, "https://grafana.example.com/");
    assert.deepEqual(openedFlows(objectsOf(run), NS, GRAFANA).ingress, ["from ingress-nginx/app.kubernetes.io/name=ingress-nginx TCP/3000"]);
  });

  it("refuses an Ingress without the controller in uiAllowFrom, and more than one replica", () => {
    assert.match(problemsOf(edited("staging", (values) => (values.observability.grafana.ingress = ingress)), "staging"), /observability\.grafana\.uiAllowFrom: must list the ingress controller's pods/);
    assert.match(problemsOf(edited("staging", (values) => (values.observability.grafana.replicas = 2)), "staging"), /observability\.grafana\.replicas: must be 1: each Grafana pod keeps sessions in its own SQLite database/);
  });
});

describe("Grafana's provisioning builders", () => {
  const endpoints = platformEndpoints({ observability: NS, logAgent: "log-agent" });

  it("without the log pipeline: no Elasticsearch datasource, and no trace-to-logs link", () => {
    const datasources = grafanaDatasources({ endpoints, logs: false });
    assert.deepEqual(datasources.map((source) => source.uid).sort(), [DATASOURCE_UIDS.alertmanager, DATASOURCE_UIDS.jaeger, DATASOURCE_UIDS.prometheus].sort());
    assert.deepEqual(datasources.find((source) => source.uid === DATASOURCE_UIDS.jaeger)!.jsonData, {});
  });

  it("grants grafana-reader read and view_index_metadata on the log data streams, and nothing else", () => {
    const password = pulumi.output("unused");
    const plan = elasticsearchSetupRequests({ deleteAfterDays: 7, nodes: 1, writerPassword: password, kibanaSystemPassword: password, kibanaSetupPassword: password, readerPassword: password, grafanaReaderPassword: password });
    const role = plan.find((request) => request.path === "/_security/role/grafana-reader");
    assert.deepEqual(role?.body, { cluster: [], indices: [{ names: ["app-logs-*", "app-errors-*"], privileges: ["read", "view_index_metadata"] }] });
    assert.ok(plan.some((request) => request.path === "/_security/user/grafana-reader"));
  });

  it("refuses a dashboard that would not fit one ConfigMap, naming it and the limit", () => {
    const big = { uid: "too-big", title: "Too big", model: { panels: [{ description: "x".repeat(CONFIGMAP_MAX_BYTES) }] } };
    assert.throws(() => dashboardConfigMaps([big]), /ConfigMap grafana-dashboard-too-big: .* over the 1048576 bytes \(1 MiB\) .*split dashboard 'Too big'/);
    const small = dashboardConfigMaps([{ uid: "fits", title: "Fits", model: { panels: [] } }]);
    assert.deepEqual(small.map((entry) => [entry.objectName, entry.fileName]), [["grafana-dashboard-fits", "fits.json"]]);
    assert.deepEqual(JSON.parse(small[0].json), { panels: [], uid: "fits", title: "Fits" });
  });

  it("refuses a UID that cannot name a ConfigMap, and one used twice", () => {
    assert.throws(() => dashboardConfigMaps([{ uid: "Not_A_Name", title: "Bad", model: {} }]), /dashboard 'Bad': uid 'Not_A_Name' must be 1 to 40 lowercase/);
    const twice = { uid: "same", title: "Twice", model: {} };
    assert.throws(() => dashboardConfigMaps([twice, twice]), /uid 'same' is used by another dashboard/);
  });
});
