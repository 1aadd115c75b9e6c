/**
 * Apache Kafka (jars from Maven Central) as a KRaft broker and controller with the staging StatefulSet's
 * settings, the rendered kafka-topics Job's topic setup, and one log line in the shape the Vector agent writes
 * produced and consumed as the agent and the aggregator would.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expandPodName, KAFKA_MAIN, kafkaJava, serverProperties } from "./support/kafka";
import { toLoopback } from "./support/loopback";
import { VERSIONS } from "./support/programs";
import { assertPortsFree, Processes, run, waitFor } from "./support/processes";
import { stagingRender, type StagingRender } from "./support/render";

type Any = Record<string, any>;

const POD = "kafka-0";
const IN_POD_HOSTS = ["", "kafka-0.kafka-headless.observability.svc.cluster.local", "kafka.observability.svc.cluster.local"];

describe(`Kafka ${VERSIONS.KAFKA_VERSION} (Maven Central jars, KRaft) on the staging render`, function () {
  this.timeout(300_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-kafka-"));
  const file = (name: string) => path.join(dir, name);
  let render: StagingRender;
  let env: Record<string, string>;
  let jvm: { heapOpts: string; memoryLimit: string; log4jConfig: string };
  let bootstrap: string;
  const java = (main: string, args: string[]) => run("java", kafkaJava(main, args, { log4jConfig: jvm.log4jConfig }), { timeoutMs: 120_000 });

  before(async () => {
    render = await stagingRender();
    const rendered = expandPodName(render.containerEnv("StatefulSet", "observability", "kafka"), POD);
    env = JSON.parse(toLoopback(JSON.stringify(rendered), { hosts: IN_POD_HOSTS.slice(0, 2), paths: { "/var/lib/kafka/data": file("data") } })) as Record<string, string>;
    const container = render.object("StatefulSet", "observability", "kafka").spec.template.spec.containers[0];
    // Warnings and errors only: enough for a refused config, without the broker's INFO chatter.
    fs.writeFileSync(file("log4j2.properties"), "rootLogger.level=WARN\nrootLogger.appenderRef.stdout.ref=STDOUT\nappender.stdout.type=Console\nappender.stdout.name=STDOUT\nappender.stdout.layout.type=PatternLayout\nappender.stdout.layout.pattern=[%d] %p %m (%c)%n\n");
    jvm = { heapOpts: env.KAFKA_HEAP_OPTS!, memoryLimit: container.resources.limits.memory, log4jConfig: file("log4j2.properties") };
    fs.writeFileSync(file("server.properties"), serverProperties(env, POD));
    bootstrap = `127.0.0.1:${/:(\d+)$/.exec(env.KAFKA_ADVERTISED_LISTENERS!)![1]}`;
  });
  after(() => processes.stopAll());

  it(`formats the log dir with the rendered CLUSTER_ID and starts ${POD} with the rendered settings`, async () => {
    await assertPortsFree([9092, 9093]);
    const formatted = java(KAFKA_MAIN.storage, ["format", "--cluster-id", env.CLUSTER_ID!, "--config", file("server.properties")]);
    assert.equal(formatted.status, 0, formatted.output);
    const broker = processes.start("kafka", "java", kafkaJava(KAFKA_MAIN.broker, [file("server.properties")], jvm));
    await waitFor(
      "the broker to answer on its advertised listener",
      () => (java(KAFKA_MAIN["kafka-topics.sh"], ["--bootstrap-server", bootstrap, "--list"]).status === 0 ? true : undefined),
      { running: broker, attempts: 30, intervalMs: 1000 },
    );
    assert.match(fs.readFileSync(path.join(env.KAFKA_LOG_DIRS!, "meta.properties"), "utf8"), new RegExp(`cluster.id=${env.CLUSTER_ID}`));
  });

  it("runs the rendered kafka-topics Job twice: the topic is created once, with its partitions, min ISR and retention", () => {
    const job = render.object("Job", "observability", "kafka-topics").spec.template.spec.containers[0];
    const [script, ...args] = toLoopback((job.command as string[]).join("\n"), { hosts: [IN_POD_HOSTS[2]!] }).split("\n");
    const main = KAFKA_MAIN[path.basename(script!) as "kafka-topics.sh"];
    assert.ok(main, `the Job runs ${script}, which this test does not know`);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = java(main, args);
      assert.equal(result.status, 0, result.output);
    }
    const described = java(main, ["--bootstrap-server", bootstrap, "--describe", "--topic", "app-logs"]);
    assert.equal(described.status, 0, described.output);
    const option = (name: string) => args[args.indexOf(name) + 1];
    const configs = args.filter((_, index) => args[index - 1] === "--config");
    assert.match(described.output, new RegExp(`PartitionCount: ${option("--partitions")}\\s+ReplicationFactor: ${option("--replication-factor")}`));
    for (const config of configs) assert.ok(described.output.includes(config), `${config} in ${described.output}`);
    // The topic's retention is the broker's 168 h, stated once more on the topic.
    assert.ok(configs.includes(`retention.ms=${Number(env.KAFKA_LOG_RETENTION_HOURS) * 3600 * 1000}`));
  });

  it("carries one JSON log line as the Vector agent writes it (key pod_uid, zstd, acks=all) to the aggregator's group", () => {
    const agent = (render.object("ConfigMap", "log-agent", "vector-agent-config").data as Any)["vector.yaml"] as string;
    assert.match(agent, /key_field: \.kubernetes\.pod_uid[\s\S]*compression: zstd[\s\S]*codec: json[\s\S]*acks: all/);
    const podUid = "0b3c6a52-5d4e-4f7e-9a3c-1d2e3f4a5b6c";
    // An app line after the agent's remap: the service's own JSON fields, the kubernetes_logs metadata, and
    // the two fields the agent adds (source, pipeline).
    const line = {
      timestamp: "2026-11-30T10:00:00.000Z",
      level: "info",
      logger: "http",
      event: "request_completed",
      service: "items-api",
      version: "0.1.0",
      environment: "staging",
      request_id: "systems-kafka-1",
      method: "GET",
      route: "/api/v1/items/",
      status_code: 200,
      duration_ms: 1.2,
      file: `/var/log/pods/apps_items-api-0_${podUid}/api/0.log`,
      kubernetes: { pod_name: "items-api-0", pod_namespace: "apps", pod_uid: podUid, container_name: "api", pod_labels: { "app.kubernetes.io/name": "items-api" } },
      source_type: "kubernetes_logs",
      stream: "stdout",
      source: "vector-agent",
      pipeline: "app-logs",
    };
    const produced = run(
      "java",
      kafkaJava(
        KAFKA_MAIN.producer,
        ["--bootstrap-server", bootstrap, "--topic", "app-logs", "--property", "parse.key=true", "--property", "key.separator=\t", "--producer-property", "acks=all", "--producer-property", "compression.type=zstd"],
        { log4jConfig: jvm.log4jConfig },
      ),
      { input: `${podUid}\t${JSON.stringify(line)}\n` },
    );
    assert.equal(produced.status, 0, produced.output);
    const consumed = java(KAFKA_MAIN.consumer, [
      "--bootstrap-server", bootstrap, "--topic", "app-logs", "--group", "vector-aggregator", "--from-beginning",
      "--max-messages", "1", "--timeout-ms", "60000", "--property", "print.key=true", "--property", "key.separator=\t",
    ]);
    assert.equal(consumed.status, 0, consumed.output);
    const record = consumed.output.split("\n").find((text) => text.startsWith(`${podUid}\t`));
    assert.ok(record, consumed.output);
    assert.deepEqual(JSON.parse(record.slice(podUid.length + 1)), line);
  });

  it("refuses a config broken on purpose, with Kafka's message", () => {
    const broken = fs.readFileSync(file("server.properties"), "utf8").replace(/^log\.retention\.hours=.*$/m, "log.retention.hours=one week");
    fs.writeFileSync(file("broken.properties"), broken);
    const result = java(KAFKA_MAIN.broker, [file("broken.properties")]);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /Invalid value one week for configuration log\.retention\.hours: Not a number of type INT/);
  });
});
