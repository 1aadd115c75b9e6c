import * as assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { ELASTICSEARCH_IMAGE } from "../../../components/observability/elasticsearch";
import { KIBANA_IMAGE, kibanaSecretSettings } from "../../../components/observability/kibana";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { SECRET_PLACEHOLDER } from "../../../scripts/lib/stackFile";
import { findObject, type MockRun, stackRun } from "../../support/runs";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";

type Any = Record<string, any>;
const NS = "observability";
const ES_HOME = "/usr/share/elasticsearch";

const EXPECTED = {
  staging: { nodes: 1, heap: "512m", volume: "10Gi", deleteAfter: "7d", indexReplicas: 0, kibanaReplicas: 1, cpuRequest: "250m" },
  production: { nodes: 3, heap: "2g", volume: "200Gi", deleteAfter: "30d", indexReplicas: 1, kibanaReplicas: 2, cpuRequest: "1" },
} as const;

const elasticsearch = (run: MockRun): Any => findObject(run, "StatefulSet", "elasticsearch", NS) as Any;
const settingsOf = (run: MockRun): Any => parse((findObject(run, "ConfigMap", "elasticsearch-settings", NS) as Any).data["elasticsearch.yml"]);
const kibana = (run: MockRun): Any => findObject(run, "Deployment", "kibana", NS) as Any;
const mountsOf = (container: Any) => Object.fromEntries(container.volumeMounts.map((mount: Any) => [mount.mountPath, mount.name]));

function setupPlan(run: MockRun, job: string): { method: string; path: string; body: Any | undefined }[] {
  const data = (findObject(run, "ConfigMap", `${job}-plan`, NS) as Any).data;
  return (data["plan.tsv"] as string)
    .trim()
    .split("\n")
    .map((line) => {
      const [method, path, file] = line.split("\t");
      return { method, path, body: data[file] === undefined ? undefined : JSON.parse(data[file]) };
    });
}

for (const stack of ["staging", "production"] as const) {
  const expected = EXPECTED[stack];
  describe(`Elasticsearch on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it(`runs ${expected.nodes} node(s) of the pinned Elasticsearch 8 image with a ${expected.heap} heap and ${expected.volume} volumes`, () => {
      const set = elasticsearch(run);
      assert.equal(set.spec.replicas, expected.nodes);
      const container = set.spec.template.spec.containers[0];
      assert.equal(container.image, ELASTICSEARCH_IMAGE);
      assert.match(container.image, /^elasticsearch:8\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
      assert.equal(container.env.find((variable: Any) => variable.name === "ES_JAVA_OPTS").value, `-Xms${expected.heap} -Xmx${expected.heap}`);
      assert.equal(container.resources.requests.cpu, expected.cpuRequest);
      assert.ok(container.resources.limits["ephemeral-storage"]);
      assert.equal(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage, expected.volume);
    });

    it("turns security and TLS on for HTTP and transport, and never needs a privileged sysctl", () => {
      const settings = settingsOf(run);
      assert.equal(settings["xpack.security.enabled"], true);
      assert.equal(settings["xpack.security.http.ssl.enabled"], true);
      assert.equal(settings["xpack.security.transport.ssl.enabled"], true);
      assert.equal(settings["xpack.security.transport.ssl.certificate"], "certs/tls.crt");
      assert.equal(settings["node.store.allow_mmap"], false);
      assert.equal(elasticsearch(run).spec.template.spec.securityContext.sysctls, undefined);
    });

    it(stack === "staging" ? "discovers as a single node" : "seeds discovery from the headless Service and bootstraps with all three nodes", () => {
      const settings = settingsOf(run);
      if (expected.nodes === 1) {
        assert.equal(settings["discovery.type"], "single-node");
        assert.equal(settings["cluster.initial_master_nodes"], undefined);
      } else {
        assert.equal(settings["discovery.type"], undefined);
        assert.deepEqual(settings["discovery.seed_hosts"], [`elasticsearch-headless.${NS}.svc.cluster.local`]);
        assert.deepEqual(settings["cluster.initial_master_nodes"], ["elasticsearch-0", "elasticsearch-1", "elasticsearch-2"]);
      }
      assert.equal(settings["node.name"], "${POD_NAME}");
    });

    it("copies the image's config/ into an emptyDir with an init container of the same image, then adds elasticsearch.yml", () => {
      const pod = elasticsearch(run).spec.template.spec;
      const init = pod.initContainers[0];
      assert.equal(init.image, ELASTICSEARCH_IMAGE);
      assert.match(init.command[2], new RegExp(`^cp -a ${ES_HOME}/config/\\. /mnt/config/ && cp /mnt/settings/elasticsearch.yml /mnt/config/elasticsearch.yml && `));
      assert.equal(mountsOf(init)["/mnt/config"], "config");
      const mounts = mountsOf(pod.containers[0]);
      assert.deepEqual(mounts, {
        "/tmp": "tmp",
        [`${ES_HOME}/config`]: "config",
        [`${ES_HOME}/logs`]: "logs",
        [`${ES_HOME}/data`]: "data",
        "/etc/blueprint/password": "password",
        [`${ES_HOME}/config/certs`]: "certs",
      });
      for (const name of ["tmp", "config", "logs", "password"]) assert.ok(pod.volumes.find((volume: Any) => volume.name === name).emptyDir, name);
      assert.equal(pod.volumes.find((volume: Any) => volume.name === "certs").secret.secretName, "elasticsearch-certs");
    });

    it("runs as UID 1000 with fsGroup 1000 under restricted, and reads the elastic password from a file, never an env var", () => {
      const pod = elasticsearch(run).spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      assert.deepEqual([pod.securityContext.runAsUser, pod.securityContext.fsGroup], [1000, 1000]);
      const env = pod.containers[0].env;
      assert.ok(env.every((variable: Any) => !variable.valueFrom?.secretKeyRef), "no Secret in the environment");
      assert.equal(env.find((variable: Any) => variable.name === "ELASTIC_PASSWORD_FILE").value, "/etc/blueprint/password/elastic");
      // Only the elastic key of the Secret is mounted, and only into the init container.
      const credentials = pod.volumes.find((volume: Any) => volume.name === "credentials").secret;
      assert.deepEqual([credentials.secretName, credentials.items], ["elasticsearch-credentials", [{ key: "elastic", path: "elastic" }]]);
      assert.equal(mountsOf(pod.initContainers[0])["/mnt/credentials"], "credentials");
      assert.equal(mountsOf(pod.containers[0])["/mnt/credentials"], undefined);
    });

    it("copies the password into memory at mode 0400, the only mode the image's entrypoint accepts (fsGroup makes the Secret file 0440)", () => {
      const pod = elasticsearch(run).spec.template.spec;
      assert.deepEqual(pod.volumes.find((volume: Any) => volume.name === "password").emptyDir.medium, "Memory");
      assert.match(
        pod.initContainers[0].command[2],
        / && cp \/mnt\/credentials\/elastic \/etc\/blueprint\/password\/elastic && cp \/mnt\/file-realm\/probe\.curlrc \/etc\/blueprint\/password\/probe\.curlrc && chmod 0400 \/etc\/blueprint\/password\/elastic \/etc\/blueprint\/password\/probe\.curlrc$/,
      );
      assert.equal(mountsOf(pod.initContainers[0])["/etc/blueprint/password"], "password");
    });

    it("probes HTTP at startup, transport for liveness, and an authenticated TLS health call for readiness", () => {
      const container = elasticsearch(run).spec.template.spec.containers[0];
      assert.deepEqual(container.ports.map((port: Any) => `${port.name}:${port.containerPort}`), ["http:9200", "transport:9300"]);
      assert.deepEqual(container.startupProbe.tcpSocket, { port: "http" });
      assert.deepEqual(container.livenessProbe.tcpSocket, { port: "transport" });
      assert.deepEqual(container.readinessProbe.exec.command, [
        "curl",
        "--config",
        "/etc/blueprint/password/probe.curlrc",
        "--silent",
        "--fail",
        "--output",
        "/dev/null",
        "--cacert",
        `${ES_HOME}/config/certs/ca.crt`,
        "https://127.0.0.1:9200/_cluster/health?local=true",
      ]);
    });

    it("keeps the eight generated passwords (Grafana's reader's among them), the setup Jobs' curl configs and the node key secret in the manifests", () => {
      const credentials = findObject(run, "Secret", "elasticsearch-credentials", NS) as Any;
      assert.deepEqual(credentials.stringData, {
        elastic: SECRET_PLACEHOLDER,
        kibana_system: SECRET_PLACEHOLDER,
        "vector-writer": SECRET_PLACEHOLDER,
        "elasticsearch-setup.curlrc": SECRET_PLACEHOLDER,
        "kibana-setup.curlrc": SECRET_PLACEHOLDER,
      });
      const passwords = run.resources.filter((resource) => resource.type === "random:index/randomPassword:RandomPassword" && resource.name.startsWith("elasticsearch-"));
      assert.deepEqual(passwords.map((resource) => resource.name).sort(), [
        "elasticsearch-elastic-password",
        "elasticsearch-grafana-reader-password",
        "elasticsearch-kibana-setup-password",
        "elasticsearch-kibana-system-password",
        "elasticsearch-logs-reader-password",
        "elasticsearch-probe-password",
        "elasticsearch-setup-password",
        "elasticsearch-writer-password",
      ]);
      const certs = findObject(run, "Secret", "elasticsearch-certs", NS) as Any;
      assert.deepEqual(certs.stringData, { "ca.crt": SECRET_PLACEHOLDER, "tls.crt": SECRET_PLACEHOLDER, "tls.key": SECRET_PLACEHOLDER });
    });

    it("signs the node certificate for the client Service, every pod behind the headless Service and localhost", () => {
      const request = run.resources.find((resource) => resource.type === "tls:index/certRequest:CertRequest" && resource.name.startsWith("elasticsearch"));
      assert.ok(request);
      const names = request.inputs.dnsNames as string[];
      for (const name of [`elasticsearch.${NS}.svc.cluster.local`, `*.elasticsearch-headless.${NS}.svc.cluster.local`, "localhost"]) assert.ok(names.includes(name), name);
      const cert = run.resources.find((resource) => resource.type === "tls:index/locallySignedCert:LocallySignedCert" && resource.name.startsWith("elasticsearch"));
      assert.deepEqual(cert?.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth", "client_auth"]);
      const ca = run.resources.find((resource) => resource.type === "tls:index/selfSignedCert:SelfSignedCert" && resource.name.startsWith("elasticsearch"));
      assert.equal(ca?.inputs.isCaCertificate, true);
    });

    it("has a headless Service publishing not-ready addresses and a PDB", () => {
      const headless = findObject(run, "Service", "elasticsearch-headless", NS) as Any;
      assert.equal(headless.spec.clusterIP, "None");
      assert.equal(headless.spec.publishNotReadyAddresses, true);
      assert.deepEqual((findObject(run, "Service", "elasticsearch", NS) as Any).spec.ports.map((port: Any) => port.port), [9200]);
      assert.equal((findObject(run, "PodDisruptionBudget", "elasticsearch", NS) as Any).spec.maxUnavailable, 1);
    });

    it(`sets up ILM (10gb or 1d, delete after ${expected.deleteAfter}), both templates, the writer, kibana-setup, logs-reader and grafana-reader roles and users, and kibana_system — all upserts`, () => {
      const plan = setupPlan(run, "elasticsearch-setup");
      assert.deepEqual(
        plan.map((step) => `${step.method} ${step.path}`),
        [
          "PUT /_ilm/policy/app-logs-retention",
          "PUT /_index_template/app-logs",
          "PUT /_index_template/app-errors",
          "PUT /_security/role/vector-writer",
          "PUT /_security/user/vector-writer",
          "POST /_security/user/kibana_system/_password",
          "PUT /_security/role/kibana-data-views",
          "PUT /_security/user/kibana-setup",
          "PUT /_security/role/logs-reader",
          "PUT /_security/user/logs-reader",
          "PUT /_security/role/grafana-reader",
          "PUT /_security/user/grafana-reader",
        ],
      );
      // Kibana's data-view feature in the default space, and nothing in Elasticsearch itself.
      assert.deepEqual(plan[6].body, {
        cluster: [],
        indices: [],
        applications: [{ application: "kibana-.kibana", privileges: ["feature_indexPatterns.all"], resources: ["space:default"] }],
      });
      const phases = plan[0].body?.policy.phases;
      assert.deepEqual(phases.hot.actions.rollover, { max_primary_shard_size: "10gb", max_age: "1d" });
      assert.equal(phases.delete.min_age, expected.deleteAfter);
      for (const [index, family] of [[1, "app-logs"], [2, "app-errors"]] as const) {
        const template = plan[index].body as Any;
        assert.deepEqual(template.index_patterns, [`${family}-*`]);
        assert.deepEqual(template.data_stream, {});
        assert.equal(template.template.settings["index.lifecycle.name"], "app-logs-retention");
        assert.equal(template.template.settings["index.number_of_replicas"], expected.indexReplicas);
        assert.equal(template.template.mappings.properties.timestamp.type, "date");
      }
      assert.deepEqual(plan[3].body, { cluster: [], indices: [{ names: ["app-logs-*", "app-errors-*"], privileges: ["create_doc", "create_index", "auto_configure"] }] });
      // The bodies with passwords are not in the ConfigMap.
      assert.equal(plan[4].body, undefined);
      assert.equal(plan[5].body, undefined);
      assert.equal(plan[7].body, undefined);
      assert.equal(plan[9].body, undefined);
      assert.equal(plan[11].body, undefined);
      const secretBodies = findObject(run, "Secret", "elasticsearch-setup-secret-bodies", NS) as Any;
      assert.deepEqual(Object.values(secretBodies.stringData), [SECRET_PLACEHOLDER, SECRET_PLACEHOLDER, SECRET_PLACEHOLDER, SECRET_PLACEHOLDER, SECRET_PLACEHOLDER]);
    });

    it("runs the setup as a restricted Job (UID 10001) with the fixed script, as the file-realm user elasticsearch-setup (not elastic) over TLS with a curl config file, once Elasticsearch is reachable", () => {
      const job = findObject(run, "Job", "elasticsearch-setup", NS) as Any;
      const pod = job.spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      assert.equal(pod.restartPolicy, "Never");
      assert.deepEqual(pod.containers[0].command, ["bash", "/setup/apply-requests.sh"]);
      const env = Object.fromEntries(pod.containers[0].env.map((variable: Any) => [variable.name, variable.value ?? variable.valueFrom]));
      assert.equal(env.BASE_URL, `https://elasticsearch.${NS}.svc.cluster.local:9200`);
      assert.equal(env.CURL_CONFIG_FILE, "/etc/blueprint/credentials/curlrc");
      assert.ok(Object.keys(env).every((name) => !/PASSWORD/.test(name)), "no password variable");
      assert.equal(mountsOf(pod.containers[0])["/etc/blueprint/credentials"], "credentials");
      const credentials = pod.volumes.find((volume: Any) => volume.name === "credentials").secret;
      assert.deepEqual([credentials.secretName, credentials.items], ["elasticsearch-credentials", [{ key: "elasticsearch-setup.curlrc", path: "curlrc" }]]);
      assert.deepEqual([pod.securityContext.runAsUser, pod.securityContext.runAsGroup], [10001, 10001]);
      const sources = pod.volumes.find((volume: Any) => volume.name === "plan").projected.sources;
      assert.deepEqual(sources.map((source: Any) => Object.keys(source)[0]), ["configMap", "secret"]);
      assert.match(job.spec.template.metadata.annotations[checksumAnnotationKey("plan")], /^[0-9a-f]{64}$/);
    });
  });

  describe(`Kibana on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it(`runs ${expected.kibanaReplicas} replica(s) of the Kibana image matching the Elasticsearch version`, () => {
      const deployment = kibana(run);
      assert.equal(deployment.spec.replicas, expected.kibanaReplicas);
      const container = deployment.spec.template.spec.containers[0];
      assert.equal(container.image, KIBANA_IMAGE);
      assert.equal(KIBANA_IMAGE.split(":")[1], ELASTICSEARCH_IMAGE.split(":")[1]);
      assert.ok(container.resources.requests["ephemeral-storage"]);
    });

    it("connects as kibana_system over verified TLS; the password and keys come from a second config file in a Secret, never env vars", () => {
      const settings = parse((findObject(run, "ConfigMap", "kibana-settings", NS) as Any).data["kibana.yml"]);
      assert.equal(settings["elasticsearch.username"], "kibana_system");
      assert.equal(settings["elasticsearch.password"], undefined);
      assert.ok(!Object.keys(settings).some((key) => key.endsWith("encryptionKey")), "no key in the ConfigMap");
      assert.deepEqual(settings["elasticsearch.hosts"], [`https://elasticsearch.${NS}.svc.cluster.local:9200`]);
      assert.equal(settings["elasticsearch.ssl.verificationMode"], "full");
      const pod = kibana(run).spec.template.spec;
      const container = pod.containers[0];
      assert.equal(container.env, undefined);
      assert.deepEqual(container.args, ["--config", "/usr/share/kibana/config/kibana.yml", "--config", "/etc/blueprint/kibana-secrets/secret-settings.yml"]);
      assert.equal(mountsOf(container)["/etc/blueprint/kibana-secrets"], "secret-settings");
      assert.equal(pod.volumes.find((volume: Any) => volume.name === "secret-settings").secret.secretName, "kibana-secret-settings");
      const secret = findObject(run, "Secret", "kibana-secret-settings", NS) as Any;
      assert.deepEqual(secret.stringData, { "secret-settings.yml": SECRET_PLACEHOLDER });
    });

    it("writes kibana_system's password and the three encryption keys into the secret settings file", () => {
      assert.deepEqual(parse(stringify(kibanaSecretSettings("pw", ["k1", "k2", "k3"]))), {
        "elasticsearch.password": "pw",
        "xpack.security.encryptionKey": "k1",
        "xpack.encryptedSavedObjects.encryptionKey": "k2",
        "xpack.reporting.encryptionKey": "k3",
      });
    });

    it("runs restricted with emptyDirs on data/ and /tmp, and probes /api/status for readiness", () => {
      const pod = kibana(run).spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      const mounts = mountsOf(pod.containers[0]);
      assert.equal(mounts["/usr/share/kibana/data"], "data");
      assert.equal(mounts["/tmp"], "tmp");
      for (const name of ["tmp", "data"]) assert.ok(pod.volumes.find((volume: Any) => volume.name === name).emptyDir, name);
      const container = pod.containers[0];
      assert.deepEqual(container.readinessProbe.httpGet, { path: "/api/status", port: "http", scheme: "HTTPS" });
      assert.deepEqual(container.livenessProbe.tcpSocket, { port: "http" });
      assert.ok(container.startupProbe);
      assert.ok(findObject(run, "PodDisruptionBudget", "kibana", NS));
    });

    it("creates the app-logs-* data view with time field timestamp through Kibana's API, as an upsert", () => {
      const plan = setupPlan(run, "kibana-setup");
      const appLogs = plan.find((step) => step.body?.data_view.title === "app-logs-*");
      assert.ok(appLogs);
      assert.equal(`${appLogs.method} ${appLogs.path}`, "POST /api/data_views/data_view");
      assert.equal(appLogs.body?.data_view.timeFieldName, "timestamp");
      assert.equal(appLogs.body?.override, true);
      const job = findObject(run, "Job", "kibana-setup", NS) as Any;
      const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((variable: Any) => [variable.name, variable.value]));
      assert.equal(env.BASE_URL, `https://kibana.${NS}.svc.cluster.local:5601`);
    });

    it("serves HTTPS with a certificate from the Elasticsearch CA, so the setup Job's password never crosses the network in clear", () => {
      const settings = parse((findObject(run, "ConfigMap", "kibana-settings", NS) as Any).data["kibana.yml"]);
      assert.equal(settings["server.ssl.enabled"], true);
      const request = run.resources.find((resource) => resource.type === "tls:index/certRequest:CertRequest" && resource.name.startsWith("kibana"));
      assert.ok((request?.inputs.dnsNames as string[]).includes(`kibana.${NS}.svc.cluster.local`));
      const pod = kibana(run).spec.template.spec;
      assert.equal(pod.volumes.find((volume: Any) => volume.name === "server-cert").secret.secretName, "kibana-certs");
      const job = findObject(run, "Job", "kibana-setup", NS) as Any;
      const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((variable: Any) => [variable.name, variable.value]));
      assert.equal(env.CA_FILE, "/etc/blueprint/ca/ca.crt");
    });

    it("runs the kibana-setup Job as a user that may manage data views only, never the elastic superuser", () => {
      const job = findObject(run, "Job", "kibana-setup", NS) as Any;
      const container = job.spec.template.spec.containers[0];
      const env = Object.fromEntries(container.env.map((variable: Any) => [variable.name, variable.value]));
      assert.equal(env.CURL_CONFIG_FILE, "/etc/blueprint/credentials/curlrc");
      const credentials = job.spec.template.spec.volumes.find((volume: Any) => volume.name === "credentials").secret;
      assert.deepEqual(credentials.items.map((item: Any) => item.key), ["kibana-setup.curlrc"]);
    });
  });
}
