import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { ENROLMENT_LABEL } from "../../../components/k8s/enrolment";
import { VECTOR_IMAGE } from "../../../components/observability/vector";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { findObject, type MockRun, objectsOf, runWith, stackRun } from "../../support/runs";
import { POD_SECURITY_EXEMPTION } from "../../../components/k8s/lintExemptions";

type Any = Record<string, any>;
const NS = "observability";
const AGENT_NS = "log-agent";
const BUFFER = { type: "disk", max_size: 268435488, when_full: "block" };

const agent = (run: MockRun): Any => findObject(run, "DaemonSet", "vector-agent", AGENT_NS) as Any;
const aggregator = (run: MockRun): Any => findObject(run, "Deployment", "vector-aggregator", NS) as Any;
const vectorConfig = (run: MockRun, name: string, namespace: string): Any => parse((findObject(run, "ConfigMap", `${name}-config`, namespace) as Any).data["vector.yaml"]);
const mountsOf = (container: Any) => Object.fromEntries(container.volumeMounts.map((mount: Any) => [mount.mountPath, mount]));

const EXPECTED = {
  staging: { agentMemoryLimit: "256Mi", aggregatorReplicas: 1, aggregatorCpuRequest: "100m" },
  production: { agentMemoryLimit: "512Mi", aggregatorReplicas: 2, aggregatorCpuRequest: "250m" },
} as const;

for (const stack of ["staging", "production"] as const) {
  const expected = EXPECTED[stack];
  describe(`Vector agent on ${stack}`, () => {
    let run: MockRun;
    let config: Any;
    before(async () => {
      run = await stackRun(stack);
      config = vectorConfig(run, "vector-agent", AGENT_NS);
    });

    it("reads pod logs with kubernetes_logs, skipping its own namespace", () => {
      assert.deepEqual(config.sources.pod_logs, { type: "kubernetes_logs", extra_field_selector: `metadata.namespace!=${AGENT_NS}` });
    });

    it("parses JSON lines, keeps other lines as raw_message, and adds source and pipeline", () => {
      const parse = config.transforms.parse;
      assert.deepEqual([parse.type, parse.inputs], ["remap", ["pod_logs"]]);
      assert.match(parse.source, /parse_json\(string!\(\.message\)\)/);
      assert.match(parse.source, /\.raw_message = del\(\.message\)/);
      assert.match(parse.source, /^\.source = "vector-agent"$/m);
      assert.match(parse.source, /^\.pipeline = "app-logs"$/m);
    });

    it("drops /health, /ready and /metrics access logs before the sink", () => {
      const drop = config.transforms.drop_probe_logs;
      assert.deepEqual([drop.type, drop.inputs], ["filter", ["parse"]]);
      assert.match(drop.condition, /!includes\(\["\/health", "\/ready", "\/metrics"\], path\)/);
      assert.match(drop.condition, /string\(\.route\)/);
    });

    it("sinks JSON to topic app-logs through a 256 MiB disk buffer that blocks when full, with end-to-end acknowledgements", () => {
      const kafka = config.sinks.kafka;
      assert.equal(kafka.type, "kafka");
      assert.deepEqual(kafka.inputs, ["drop_probe_logs"]);
      assert.equal(kafka.topic, "app-logs");
      assert.equal(kafka.bootstrap_servers, `kafka.${NS}.svc.cluster.local:9092`);
      assert.deepEqual(kafka.encoding, { codec: "json" });
      assert.deepEqual(kafka.buffer, BUFFER);
      assert.ok(kafka.buffer.max_size >= 256 * 2 ** 20);
      assert.deepEqual(kafka.acknowledgements, { enabled: true });
      assert.equal(kafka.librdkafka_options.acks, "all");
    });

    it("serves its API on 8686 for the probes and metrics on 9598 for Prometheus", () => {
      assert.deepEqual(config.api, { enabled: true, address: "0.0.0.0:8686" });
      assert.equal(config.sinks.prometheus.address, "0.0.0.0:9598");
      const pod = agent(run).spec.template;
      assert.equal(pod.metadata.annotations["prometheus.io/port"], "9598");
      // Prometheus's discovery selects on the enrolment label: without it the scrape annotations do nothing.
      assert.equal(pod.metadata.labels[ENROLMENT_LABEL], "true");
      const container = pod.spec.containers[0];
      for (const probe of [container.startupProbe, container.readinessProbe]) assert.deepEqual(probe.httpGet, { path: "/health", port: "api" });
      assert.deepEqual(container.livenessProbe.tcpSocket, { port: "api" });
    });

    it("departs from restricted only by the read-only /var/log/pods hostPath and running as root, each written down", () => {
      const daemonSet = agent(run);
      const pod = daemonSet.spec.template.spec;
      assert.deepEqual(restrictedViolations(pod).sort(), [
        "container 'vector': runAsNonRoot must be true (pod or container)",
        "container 'vector': runAsUser must not be 0",
        "pod runAsUser must not be 0",
        "volume 'pod-logs' has type hostPath, which restricted forbids",
      ]);
      const container = pod.containers[0];
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.equal(container.securityContext.privileged, false);
      assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
      assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
      assert.deepEqual(pod.volumes.find((volume: Any) => volume.name === "pod-logs").hostPath, { path: "/var/log/pods", type: "Directory" });
      assert.equal(mountsOf(container)["/var/log/pods"].readOnly, true);
      const reason = daemonSet.metadata.annotations[POD_SECURITY_EXEMPTION];
      for (const word of ["/var/log/pods", "UID 0", "token"]) assert.ok(reason.includes(word), word);
      assert.equal(daemonSet.spec.template.metadata.annotations[POD_SECURITY_EXEMPTION], reason);
    });

    it("mounts a ServiceAccount token on purpose, bound to list/watch on pods, namespaces and nodes only", () => {
      const pod = agent(run).spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, true);
      // The ServiceAccount itself never automounts: the token shows on the pod spec that uses it.
      assert.equal((findObject(run, "ServiceAccount", "vector-agent", AGENT_NS) as Any).automountServiceAccountToken, false);
      const role = findObject(run, "ClusterRole", `${AGENT_NS}-vector-agent`) as Any;
      assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["list", "watch"] }]);
      const binding = findObject(run, "ClusterRoleBinding", `${AGENT_NS}-vector-agent`) as Any;
      assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "vector-agent", namespace: AGENT_NS }]);
      assert.equal(binding.roleRef.name, `${AGENT_NS}-vector-agent`);
    });

    it("prefixes its cluster-scoped names with its namespace, so two stacks on one cluster do not collide", async () => {
      const raw = loadStackFile(stack);
      const other = await runWith(stack, { ...raw, values: { ...raw.values, namespaces: { logAgent: "log-agent-preview", observability: "observability-preview", apps: "apps-preview" } } });
      const names = (r: MockRun) => objectsOf(r).filter((object) => object.kind.startsWith("Cluster")).map((object) => object.metadata.name);
      const shared = names(run).filter((objectName) => names(other).includes(objectName));
      assert.deepEqual(shared, []);
      assert.ok(names(other).includes("log-agent-preview-vector-agent"));
    });

    it(`runs the pinned image with the ${stack} sizing and a data dir that holds its buffer`, () => {
      const pod = agent(run).spec.template.spec;
      const container = pod.containers[0];
      assert.equal(container.image, VECTOR_IMAGE);
      assert.match(VECTOR_IMAGE, /^timberio\/vector:\d+\.\d+\.\d+-distroless-libc@sha256:[a-f0-9]{64}$/);
      assert.equal(container.resources.limits.memory, expected.agentMemoryLimit);
      assert.ok(container.resources.limits["ephemeral-storage"]);
      assert.equal(mountsOf(container)["/vector-data-dir"].name, "data");
      assert.equal(pod.volumes.find((volume: Any) => volume.name === "data").emptyDir.sizeLimit, "321Mi");
      assert.equal(config.data_dir, "/vector-data-dir");
      assert.deepEqual(container.env.find((variable: Any) => variable.name === "VECTOR_SELF_NODE_NAME").valueFrom, { fieldRef: { fieldPath: "spec.nodeName" } });
    });
  });

  describe(`Vector aggregator on ${stack}`, () => {
    let run: MockRun;
    let config: Any;
    before(async () => {
      run = await stackRun(stack);
      config = vectorConfig(run, "vector-aggregator", NS);
    });

    it("consumes app-logs as consumer group vector-aggregator, from the earliest uncommitted offset", () => {
      const source = config.sources.app_logs;
      assert.equal(source.type, "kafka");
      assert.equal(source.group_id, "vector-aggregator");
      assert.deepEqual(source.topics, ["app-logs"]);
      assert.equal(source.auto_offset_reset, "earliest");
      assert.deepEqual(source.decoding, { codec: "json" });
    });

    it("enriches with timestamp (if missing), @timestamp, aggregator_processed_at and pipeline", () => {
      const enrich = config.transforms.enrich;
      assert.deepEqual([enrich.type, enrich.inputs], ["remap", ["app_logs"]]);
      assert.match(enrich.source, /if !is_timestamp\(\.timestamp\) \{[^}]*\?\? now\(\)/);
      assert.match(enrich.source, /^\.aggregator_processed_at = now\(\)$/m);
      assert.match(enrich.source, /^\.pipeline = "app-logs"$/m);
      assert.match(enrich.source, /^\."@timestamp" = \.timestamp$/m);
    });

    it("routes error and critical to app-errors-%Y-%m-%d and everything else to app-logs-%Y-%m-%d", () => {
      const route = config.transforms.by_level;
      assert.deepEqual([route.type, route.inputs], ["route", ["enrich"]]);
      assert.match(route.route.errors, /includes\(\["error", "critical", "fatal"\], downcase\(string\(\.level\)/);
      assert.deepEqual(config.sinks.elasticsearch_errors.inputs, ["by_level.errors"]);
      assert.equal(config.sinks.elasticsearch_errors.bulk.index, "app-errors-%Y-%m-%d");
      assert.deepEqual(config.sinks.elasticsearch_logs.inputs, ["by_level._unmatched"]);
      assert.equal(config.sinks.elasticsearch_logs.bulk.index, "app-logs-%Y-%m-%d");
    });

    it("writes to Elasticsearch over TLS as vector-writer, through a blocking disk buffer, with end-to-end acknowledgements", () => {
      for (const name of ["elasticsearch_errors", "elasticsearch_logs"]) {
        const sink = config.sinks[name];
        assert.equal(sink.type, "elasticsearch");
        assert.deepEqual(sink.endpoints, [`https://elasticsearch.${NS}.svc.cluster.local:9200`]);
        assert.deepEqual(sink.bulk.action, "create");
        assert.deepEqual(sink.auth, { strategy: "basic", user: "vector-writer", password: "SECRET[elasticsearch_credentials.writer]" });
        assert.equal(sink.tls.ca_file, "/etc/blueprint/elasticsearch-ca/ca.crt");
        assert.deepEqual(sink.buffer, BUFFER);
        assert.deepEqual(sink.acknowledgements, { enabled: true });
      }
      // The password is the file `writer` of a mounted Secret, read through Vector's directory secret backend.
      assert.deepEqual(config.secret, { elasticsearch_credentials: { type: "directory", path: "/etc/blueprint/elasticsearch-credentials", remove_trailing_whitespace: true } });
      const pod = aggregator(run).spec.template.spec;
      assert.equal(pod.containers[0].env, undefined);
      assert.equal(pod.containers[0].volumeMounts.find((mount: Any) => mount.mountPath === "/etc/blueprint/elasticsearch-credentials").name, "elasticsearch-credentials");
      const credentials = pod.volumes.find((volume: Any) => volume.name === "elasticsearch-credentials").secret;
      assert.deepEqual([credentials.secretName, credentials.items], ["elasticsearch-credentials", [{ key: "vector-writer", path: "writer" }]]);
    });

    it(`runs ${expected.aggregatorReplicas} restricted replica(s) with no API token, probes, a PDB and room for both buffers`, () => {
      const deployment = aggregator(run);
      assert.equal(deployment.spec.replicas, expected.aggregatorReplicas);
      const pod = deployment.spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      assert.equal(pod.automountServiceAccountToken, false);
      const container = pod.containers[0];
      assert.equal(container.resources.requests.cpu, expected.aggregatorCpuRequest);
      assert.deepEqual(container.readinessProbe.httpGet, { path: "/health", port: "api" });
      assert.ok(container.livenessProbe && container.startupProbe);
      assert.equal(pod.volumes.find((volume: Any) => volume.name === "data").emptyDir.sizeLimit, "577Mi");
      assert.equal(deployment.spec.template.metadata.annotations["prometheus.io/scrape"], "true");
      assert.ok(findObject(run, "PodDisruptionBudget", "vector-aggregator", NS));
    });
  });
}
