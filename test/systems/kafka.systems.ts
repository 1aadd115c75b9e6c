/**
 * Apache Kafka (jars from Maven Central) as a KRaft broker and controller with the staging StatefulSet's
 * settings: TLS with required client certificates on both listeners, the StandardAuthorizer and the rendered
 * ACL Job's ACLs. Every identity the render declares (the brokers', the ACL and topic Jobs', the Vector agent's
 * and aggregator's) gets a real certificate from a CA of the test's own, placed where the rendered settings
 * point; each then does what its ACLs allow and is refused what they do not.
 *
 * On that broker, one request of the real service is followed across the three signals: its trace in the real
 * Jaeger, its log line through the agent's VRL (the real engine), this Kafka and the aggregator's VRL, to the
 * document the elasticsearch sink would index.
 */
import * as assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { INDEX_FAMILIES } from "../../components/observability/elasticsearch";
import { bulkDocument, followEvents, installVrlRunner, type KafkaRecord, kafkaRecords, kafkaSourceEvents, podLogEvent } from "../support/vrl";
import { findTraces, jaegerArgs, startJaeger } from "./support/jaeger";
import { type CertSpec, expandPodName, KAFKA_MAIN, kafkaJava, serverProperties, TestCa } from "./support/kafka";
import { toLoopback } from "./support/loopback";
import { VERSIONS } from "./support/programs";
import { assertPortsFree, Processes, run, waitFor } from "./support/processes";
import { stagingRender, type StagingRender } from "./support/render";
import { startService } from "./support/service";
import { mountDirs, SERVICE, serviceEnv, writePlaceholderLogin } from "./support/serviceEnv";

type Any = Record<string, any>;

const NS = "observability";
const POD = "kafka-0";
const IN_POD_HOSTS = ["", "kafka-0.kafka-headless.observability.svc.cluster.local", "kafka.observability.svc.cluster.local"];
const TOPIC = "app-logs";
const GROUP = "vector-aggregator";
const podUid = "0b3c6a52-5d4e-4f7e-9a3c-1d2e3f4a5b6c";
// An app line after the agent's remap: the service's own JSON fields, the kubernetes_logs metadata, and the two
// fields the agent adds (source, pipeline).
const LINE = {
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
// A producer without WRITE is refused its producer ID (idempotence is the Java client's default) or the topic.
const WRITE_REFUSED = new RegExp(`ClusterAuthorizationException|Not authorized to access topics: \\[${TOPIC}\\]`);
const READ_REFUSED = /(TopicAuthorization|GroupAuthorization)Exception: Not authorized to access (topics|group)/;

/** The text of a mock PEM names the resource that produced it: `mock-<name>`. */
function mockName(pem: string): string {
  const name = /mock-([a-z0-9-]+)/.exec(pem)?.[1];
  if (name === undefined) throw new Error(`not a mock PEM: ${pem}`);
  return name;
}

/**
 * What the render says of the certificate in one Secret: the Secret's tls.crt is a LocallySignedCert's output,
 * whose request names the subject and hosts. Also which CA signed it.
 */
function certOfSecret(render: StagingRender, namespace: string, secretName: string): { spec: CertSpec; caName: string } {
  const secret = render.resources.find((resource) => resource.type === "kubernetes:core/v1:Secret" && (resource.inputs as Any).metadata.name === secretName && (resource.inputs as Any).metadata.namespace === namespace);
  assert.ok(secret, `no Secret ${namespace}/${secretName} in the render`);
  const files = JSON.parse(JSON.stringify((secret.inputs as Any).stringData)) as Any;
  const data = (files.value ?? files) as Record<string, string>;
  const byName = (type: string, name: string) => render.resources.find((resource) => resource.type === type && resource.name === name)?.inputs as Any;
  const cert = byName("tls:index/locallySignedCert:LocallySignedCert", mockName(data["tls.crt"]!));
  const request = byName("tls:index/certRequest:CertRequest", mockName(cert.certRequestPem));
  assert.equal(mockName(cert.caCertPem), mockName(data["ca.crt"]!), `${secretName}: its ca.crt is the CA that signed it`);
  return {
    spec: { ...request.subject, dnsNames: request.dnsNames, ipAddresses: request.ipAddresses, usages: cert.allowedUses },
    caName: mockName(data["ca.crt"]!),
  };
}

/** The Secret mounted at `dir` in a pod spec. */
function secretMountedAt(pod: Any, dir: string): string {
  const mount = pod.containers[0].volumeMounts.find((entry: Any) => entry.mountPath === dir);
  assert.ok(mount, `nothing is mounted at ${dir}`);
  return pod.volumes.find((volume: Any) => volume.name === mount.name).secret.secretName;
}

/** Vector hands its kafka settings to librdkafka; the Java producer here names the few the agent sets the same way. */
const JAVA_PRODUCER_SETTING: Record<string, string> = { acks: "acks" };
/** Kafka's record producer that sets each record's timestamp, as Vector's sink does (the console producer cannot). */
const RECORD_PRODUCER = path.join(__dirname, "support", "RecordProducer.java");

const properties = (entries: Record<string, string>) => `${Object.entries(entries).map(([key, value]) => `${key}=${value}`).join("\n")}\n`;

describe(`Kafka ${VERSIONS.KAFKA_VERSION} (Maven Central jars, KRaft) on the staging render, with TLS, client certificates and ACLs`, function () {
  this.timeout(300_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-kafka-"));
  const file = (name: string) => path.join(dir, name);
  let render: StagingRender;
  let env: Record<string, string>;
  let jvm: { heapOpts: string; memoryLimit: string; log4jConfig: string };
  let bootstrap: string;
  /** client.properties per identity: the rendered tools' file, or Vector's rendered tls settings, on the test's files. */
  const clients: Record<"acls" | "topics" | "agent" | "aggregator" | "noCertificate" | "otherCa", string> = {} as never;
  let aclScript: string;
  let topicArgs: string[];
  const java = (main: string, args: string[], input?: string) => run("java", kafkaJava(main, args, { log4jConfig: jvm.log4jConfig }), { timeoutMs: 120_000, input });

  const produce = (client: string) =>
    java(
      KAFKA_MAIN.producer,
      ["--bootstrap-server", bootstrap, "--producer.config", client, "--topic", TOPIC, "--property", "parse.key=true", "--property", "key.separator=\t",
        "--producer-property", "acks=all", "--producer-property", "compression.type=zstd", "--producer-property", "max.block.ms=30000"],
      `${podUid}\t${JSON.stringify(LINE)}\n`,
    );
  /** One record, printed as `key TAB value`; `withPlacement` prints its CreateTime, partition and offset first. */
  const consume = (client: string, group: string, options: { topic?: string; withPlacement?: boolean } = {}) =>
    java(KAFKA_MAIN.consumer, [
      "--bootstrap-server", bootstrap, "--consumer.config", client, "--topic", options.topic ?? TOPIC, "--group", group, "--from-beginning",
      "--max-messages", "1", "--timeout-ms", "60000", "--property", "print.key=true", "--property", "key.separator=\t",
      ...(options.withPlacement ? ["--property", "print.timestamp=true", "--property", "print.partition=true", "--property", "print.offset=true"] : []),
    ]);
  /**
   * A refused consumer: Kafka's authorization error and no record. The console consumer may exit 0 after
   * printing the error, so the exit status proves nothing either way.
   */
  const assertReadRefused = (result: { output: string }, pattern = READ_REFUSED) => {
    assert.match(result.output, pattern);
    assert.ok(!result.output.includes(`${podUid}\t`), result.output);
  };
  /** The topic's end offsets, read as the super user: what a refused producer must not have moved. */
  const endOffsets = () => {
    const result = java(KAFKA_MAIN.offsets, ["--bootstrap-server", bootstrap, "--command-config", clients.acls, "--topic", TOPIC]);
    assert.equal(result.status, 0, result.output);
    return result.output.split("\n").filter((text) => text.startsWith(`${TOPIC}:`)).sort().join("\n");
  };

  before(async () => {
    render = await stagingRender();
    const set = render.object("StatefulSet", NS, "kafka");
    const rendered = expandPodName(render.containerEnv("StatefulSet", NS, "kafka"), POD);
    const ca = new TestCa(file("ca"), "platform");
    const otherCa = new TestCa(file("other-ca"), "other");

    // The brokers: their certificate where the rendered trust store's directory is, which is their Secret's mount.
    const brokerTlsDir = path.dirname(rendered.KAFKA_SSL_TRUSTSTORE_LOCATION!);
    const brokerCert = certOfSecret(render, NS, secretMountedAt(set.spec.template.spec, brokerTlsDir));
    ca.issue(file("kafka-tls"), brokerCert.spec);
    env = JSON.parse(toLoopback(JSON.stringify(rendered), { hosts: IN_POD_HOSTS.slice(0, 2), paths: { "/var/lib/kafka/data": file("data"), [brokerTlsDir]: file("kafka-tls") } })) as Record<string, string>;
    const container = set.spec.template.spec.containers[0];
    // Warnings and errors only: enough for a refused config, without the broker's INFO chatter.
    fs.writeFileSync(file("log4j2.properties"), "rootLogger.level=WARN\nrootLogger.appenderRef.stdout.ref=STDOUT\nappender.stdout.type=Console\nappender.stdout.name=STDOUT\nappender.stdout.layout.type=PatternLayout\nappender.stdout.layout.pattern=[%d] %p %m (%c)%n\n");
    jvm = { heapOpts: env.KAFKA_HEAP_OPTS!, memoryLimit: container.resources.limits.memory, log4jConfig: file("log4j2.properties") };
    fs.writeFileSync(file("server.properties"), serverProperties(env, POD));
    bootstrap = `127.0.0.1:${/:(\d+)$/.exec(env.KAFKA_ADVERTISED_LISTENERS!)![1]}`;

    // The two tool Jobs: the rendered client.properties, with the Job's own Secret where the Job mounts it.
    const toolClient = (job: string): { client: string; command: string[] } => {
      const pod = render.object("Job", NS, job).spec.template.spec;
      const configMount = pod.containers[0].volumeMounts.find((mount: Any) => pod.volumes.find((volume: Any) => volume.name === mount.name)?.configMap);
      const configMap = pod.volumes.find((volume: Any) => volume.name === configMount.name).configMap.name;
      const [configFile, text] = Object.entries(render.object("ConfigMap", NS, configMap).data as Record<string, string>)[0]!;
      const tlsDir = path.dirname(/^ssl\.truststore\.location=(.*)$/m.exec(text)![1]!);
      const cert = certOfSecret(render, NS, secretMountedAt(pod, tlsDir));
      assert.equal(cert.caName, brokerCert.caName, `${job}'s certificate comes from the brokers' CA`);
      ca.issue(file(job), cert.spec);
      const client = file(`${job}.properties`);
      fs.writeFileSync(client, toLoopback(text, { paths: { [tlsDir]: file(job) } }));
      const command = toLoopback((pod.containers[0].command as string[]).join("\u0000"), { hosts: [IN_POD_HOSTS[2]!], paths: { [`${configMount.mountPath}/${configFile}`]: client } }).split("\u0000");
      return { client, command };
    };
    const acls = toolClient("kafka-acls");
    clients.acls = acls.client;
    aclScript = acls.command.at(-1)!;
    const topics = toolClient("kafka-topics");
    clients.topics = topics.client;
    topicArgs = topics.command;

    // The Vector roles: librdkafka's settings from their rendered tls block, spelled for the Java clients.
    const vectorClient = (namespace: string, workload: string, kind: "DaemonSet" | "Deployment", component: "kafka" | "app_logs", section: "sinks" | "sources"): string => {
      const pod = render.object(kind, namespace, workload).spec.template.spec;
      const tls = (parse(render.configMapData(namespace, `${workload}-config`, "vector.yaml")) as Any)[section][component].tls;
      assert.deepEqual([tls.enabled, tls.verify_certificate, tls.verify_hostname], [true, true, true], `${workload}: TLS on, certificate and hostname verified`);
      const tlsDir = path.dirname(tls.crt_file);
      assert.deepEqual([path.dirname(tls.key_file), path.dirname(tls.ca_file)], [tlsDir, tlsDir]);
      const cert = certOfSecret(render, namespace, secretMountedAt(pod, tlsDir));
      assert.equal(cert.caName, brokerCert.caName, `${workload}'s certificate comes from the brokers' CA`);
      ca.issue(file(workload), cert.spec);
      const client = file(`${workload}.properties`);
      const files = JSON.parse(toLoopback(JSON.stringify(tls), { paths: { [tlsDir]: file(workload) } })) as Any;
      fs.writeFileSync(
        client,
        properties({
          "security.protocol": "SSL",
          "config.providers": "file",
          "config.providers.file.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
          "ssl.keystore.type": "PEM",
          "ssl.keystore.key": `\${file:${path.dirname(files.key_file)}:${path.basename(files.key_file)}}`,
          "ssl.keystore.certificate.chain": `\${file:${path.dirname(files.crt_file)}:${path.basename(files.crt_file)}}`,
          "ssl.truststore.type": "PEM",
          "ssl.truststore.location": files.ca_file,
          "ssl.endpoint.identification.algorithm": "https",
        }),
      );
      return client;
    };
    clients.agent = vectorClient("log-agent", "vector-agent", "DaemonSet", "kafka", "sinks");
    clients.aggregator = vectorClient(NS, "vector-aggregator", "Deployment", "app_logs", "sources");

    // Two clients that must be refused: TLS without a certificate, and the agent's name from another CA.
    clients.noCertificate = file("no-certificate.properties");
    fs.writeFileSync(clients.noCertificate, properties({ "security.protocol": "SSL", "ssl.truststore.type": "PEM", "ssl.truststore.location": file("kafka-tls/ca.crt") }));
    otherCa.issue(file("other-ca-agent"), { ...certOfSecret(render, "log-agent", "vector-agent-tls").spec });
    fs.copyFileSync(file("kafka-tls/ca.crt"), file("other-ca-agent/ca.crt"));
    clients.otherCa = file("other-ca.properties");
    fs.writeFileSync(clients.otherCa, fs.readFileSync(clients.agent, "utf8").replaceAll(file("vector-agent"), file("other-ca-agent")));
  });
  after(() => processes.stopAll());

  it(`formats the log dir with the rendered CLUSTER_ID and starts ${POD} with the rendered settings, on TLS with required client certificates`, async () => {
    // What the settings say is the unit tests' concern; this test proves what the broker does with them.
    await assertPortsFree([9092, 9093]);
    const formatted = java(KAFKA_MAIN.storage, ["format", "--cluster-id", env.CLUSTER_ID!, "--config", file("server.properties")]);
    assert.equal(formatted.status, 0, formatted.output);
    const broker = processes.start("kafka", "java", kafkaJava(KAFKA_MAIN.broker, [file("server.properties")], jvm));
    // The ACL Job's identity is the broker principal, the super user: it may list topics from the start.
    await waitFor(
      "the broker to answer the super user on its advertised listener",
      () => (java(KAFKA_MAIN["kafka-topics.sh"], ["--bootstrap-server", bootstrap, "--command-config", clients.acls, "--list"]).status === 0 ? true : undefined),
      { running: broker, attempts: 30, intervalMs: 1000 },
    );
    assert.match(fs.readFileSync(path.join(env.KAFKA_LOG_DIRS!, "meta.properties"), "utf8"), new RegExp(`cluster.id=${env.CLUSTER_ID}`));
  });

  it("refuses a client without a certificate, and one whose certificate comes from another CA", () => {
    for (const [client, why] of [[clients.noCertificate, "no certificate"], [clients.otherCa, "another CA"]] as const) {
      const listed = java(KAFKA_MAIN["kafka-topics.sh"], ["--bootstrap-server", bootstrap, "--command-config", client, "--list"]);
      assert.notEqual(listed.status, 0, `${why}: ${listed.output}`);
      assert.match(listed.output, /SslAuthenticationException|SSL handshake failed/, why);
    }
  });

  it("refuses the topic Job before the ACL Job ran: nothing but the super user may do anything", () => {
    const [script, ...args] = topicArgs;
    const result = java(KAFKA_MAIN[path.basename(script!) as "kafka-topics.sh"], args);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /TopicAuthorizationException|Authorization failed/);
  });

  it("runs the rendered kafka-acls Job's script twice, as the broker principal: exactly its bindings exist", () => {
    const lines = aclScript.split("\n").filter((line) => line.startsWith("/"));
    assert.ok(lines.length > 0, aclScript);
    const expected = new Set<string>();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      for (const line of lines) {
        const [script, ...args] = line.split(" ");
        const main = KAFKA_MAIN[path.basename(script!) as "kafka-acls.sh"];
        assert.ok(main, `the ACL Job runs ${script}, which this test does not know`);
        const result = java(main, args);
        assert.equal(result.status, 0, result.output);
        const option = (name: string) => args.filter((_, index) => args[index - 1] === name);
        const resource = option("--topic").length ? `TOPIC:${option("--topic")[0]}` : `GROUP:${option("--group")[0]}`;
        for (const operation of option("--operation")) expected.add(`${option("--allow-principal")[0]} ${operation.toUpperCase()} ${resource}`);
      }
    }
    const listed = java(KAFKA_MAIN["kafka-acls.sh"], ["--bootstrap-server", bootstrap, "--command-config", clients.acls, "--list"]);
    assert.equal(listed.status, 0, listed.output);
    const actual = new Set<string>();
    let resource = "";
    for (const text of listed.output.split("\n")) {
      const header = /resourceType=(\w+), name=([^,]+), patternType=LITERAL/.exec(text);
      if (header) resource = `${header[1]}:${header[2]}`;
      const binding = /principal=(User:[^,]+), host=\*, operation=(\w+), permissionType=ALLOW/.exec(text);
      if (binding) actual.add(`${binding[1]} ${binding[2]} ${resource}`);
    }
    assert.deepEqual([...actual].sort(), [...expected].sort());
  });

  it("runs the rendered kafka-topics Job twice as its own identity: the topic is created once, with its partitions, min ISR and retention", () => {
    const [script, ...args] = topicArgs;
    const main = KAFKA_MAIN[path.basename(script!) as "kafka-topics.sh"];
    assert.ok(main, `the Job runs ${script}, which this test does not know`);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = java(main, args);
      assert.equal(result.status, 0, result.output);
    }
    const described = java(main, ["--bootstrap-server", bootstrap, "--command-config", clients.acls, "--describe", "--topic", TOPIC]);
    assert.equal(described.status, 0, described.output);
    const option = (name: string) => args[args.indexOf(name) + 1];
    const configs = args.filter((_, index) => args[index - 1] === "--config");
    assert.match(described.output, new RegExp(`PartitionCount: ${option("--partitions")}\\s+ReplicationFactor: ${option("--replication-factor")}`));
    for (const config of configs) assert.ok(described.output.includes(config), `${config} in ${described.output}`);
    // The topic's retention is the broker's 168 h, stated once more on the topic.
    assert.ok(configs.includes(`retention.ms=${Number(env.KAFKA_LOG_RETENTION_HOURS) * 3600 * 1000}`));
  });

  it("lets the topic Job's identity neither write nor read the topic, nor change its configuration", () => {
    const before = endOffsets();
    assert.match(produce(clients.topics).output, WRITE_REFUSED);
    assert.equal(endOffsets(), before, "nothing was written");
    assertReadRefused(consume(clients.topics, GROUP));
    // It cannot even see the topic (no DESCRIBE), so kafka-topics.sh gives up before asking to alter it.
    const describe = () => java(KAFKA_MAIN["kafka-topics.sh"], ["--bootstrap-server", bootstrap, "--command-config", clients.acls, "--describe", "--topic", TOPIC]).output.split("\n")[0];
    const described = describe();
    const altered = java(KAFKA_MAIN["kafka-topics.sh"], ["--bootstrap-server", bootstrap, "--command-config", clients.topics, "--alter", "--topic", TOPIC, "--partitions", "4"]);
    assert.notEqual(altered.status, 0, altered.output);
    assert.match(altered.output, /does not exist as expected|TopicAuthorizationException/);
    assert.equal(describe(), described, "the topic is unchanged");
  });

  it("follows one request of the real service: its trace in the real Jaeger, its log line through the agent's VRL, this Kafka and the aggregator's VRL, to the document Elasticsearch would index", async () => {
    // Traces: Jaeger and the service as staging renders them. The request continues a sampled trace of the
    // test's own, so the trace ID is known before the request and sampling decides nothing.
    await startJaeger(processes, jaegerArgs(render, dir));
    const mounts = mountDirs();
    writePlaceholderLogin(mounts);
    const serviceSettings = serviceEnv(render, mounts);
    await assertPortsFree([Number(serviceSettings.APP_PORT)]);
    const service = await startService(processes, serviceSettings);
    const traceId = randomBytes(16).toString("hex");
    const requestId = `systems-signals-${process.pid}`;
    const response = await fetch(`${service.baseUrl}/api/v1/items/`, { headers: { "x-request-id": requestId, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` } });
    assert.equal(response.status, 200);
    const traces = await findTraces(serviceSettings.OTEL_SERVICE_NAME!, { "request.id": requestId }, service.running);
    assert.deepEqual(traces.map((found) => found.traceID), [traceId]);
    const spanIds = new Set((traces[0].spans as Any[]).map((span) => span.spanID as string));

    // Logs: the access line exactly as the service wrote it, as the kubernetes_logs source reads it from the pod.
    const written = await waitFor("the request's access line", () =>
      service.running.output().split("\n").find((text) => text.includes(`"request_id":"${requestId}"`) && text.includes('"request_completed"')),
    );
    const line = JSON.parse(written) as Any;
    assert.equal(line.trace_id, traceId, `the access line carries the trace: ${written}`);
    assert.ok(spanIds.has(line.span_id), `the access line's span ${line.span_id} is one of the trace's spans in Jaeger`);
    const deployment = render.object("Deployment", "apps", SERVICE);
    const pod = {
      namespace: "apps",
      pod: `${SERVICE}-5f7c9d8b6-q4w2z`,
      uid: randomUUID(),
      container: deployment.spec.template.spec.containers[0].name as string,
      labels: deployment.spec.template.metadata.labels as Record<string, string>,
    };
    // The kubelet's time, a moment after the service's own (nanoseconds, as CRI logs carry it).
    const kubeletTime = new Date(Date.parse(line.timestamp) + 2).toISOString().replace("Z", "345678Z");
    const binary = installVrlRunner();
    const agentConfig = parse(render.configMapData("log-agent", "vector-agent-config", "vector.yaml")) as Any;
    const aggregatorConfig = parse(render.configMapData(NS, "vector-aggregator-config", "vector.yaml")) as Any;
    const agent = followEvents(binary, agentConfig, "pod_logs", [podLogEvent("request", written, pod, kubeletTime)]);
    assert.deepEqual(agent.steps.filter((step) => step.outcome !== "kept").map((step) => `${step.transform}: ${step.outcome}`), []);
    assert.equal(agent.sinks.kafka!.length, 1);

    // Kafka: the record the agent's kafka sink makes of it, produced with the agent's certificate and its
    // rendered producer settings to its rendered topic and brokers, consumed with the aggregator's group.
    const sink = agentConfig.sinks.kafka as Any;
    assert.equal(toLoopback(sink.bootstrap_servers, { hosts: [IN_POD_HOSTS[2]!] }), bootstrap);
    assert.equal(sink.encoding.codec, "json");
    const [record] = kafkaRecords(sink, agent.sinks.kafka!, new Date().toISOString());
    assert.equal(record!.key, pod.uid);
    assert.equal(record!.timestamp, line.timestamp, "the record carries the line's own time");
    const settings = [
      `compression.type=${sink.compression}`,
      ...Object.entries((sink.librdkafka_options ?? {}) as Record<string, string>).map(([name, value]) => {
        const javaName = JAVA_PRODUCER_SETTING[name];
        if (javaName === undefined) throw new Error(`the agent sets librdkafka's ${name}, which this test does not know how to hand to the Java producer`);
        return `${javaName}=${value}`;
      }),
    ];
    const produced = java(RECORD_PRODUCER, [bootstrap, clients.agent, sink.topic, ...settings], `${String(record!.key)}\t${Date.parse(record!.timestamp)}\t${JSON.stringify(record!.value)}\n`);
    assert.equal(produced.status, 0, produced.output);
    const source = aggregatorConfig.sources.app_logs as Any;
    assert.deepEqual([toLoopback(source.bootstrap_servers, { hosts: [IN_POD_HOSTS[2]!] }), source.topics], [bootstrap, [sink.topic]]);
    const consumed = consume(clients.aggregator, source.group_id, { topic: source.topics[0], withPlacement: true });
    assert.equal(consumed.status, 0, consumed.output);
    const fields = /^CreateTime:(\d+)\tPartition:(\d+)\tOffset:(\d+)\t([^\t]+)\t(.*)$/m.exec(consumed.output);
    assert.ok(fields, consumed.output);
    const [, createTime, partition, offset, key, value] = fields;
    assert.equal(key, pod.uid);
    const received: KafkaRecord = { name: "request", key, timestamp: new Date(Number(createTime)).toISOString(), value: JSON.parse(value!) as Any, partition: Number(partition), offset: Number(offset) };
    assert.equal(received.timestamp, line.timestamp, "the consumed record's timestamp is the line's own time");

    // The aggregator: its VRL on the consumed record as its kafka source decodes it, then the elasticsearch
    // sink its route chose.
    const aggregator = followEvents(binary, aggregatorConfig, "app_logs", kafkaSourceEvents([received], source.topics[0]));
    assert.deepEqual(aggregator.steps.filter((step) => step.run.terminated !== null).map((step) => `${step.transform}: ${step.run.error}`), []);
    const indexed = Object.entries(aggregator.sinks).flatMap(([id, events]) => events.map((event) => ({ id, event })));
    assert.deepEqual(indexed.map((entry) => entry.id), ["elasticsearch_logs"], "an info line goes to the logs stream, by the aggregator's route");
    const { action, index, document } = bulkDocument(aggregatorConfig.sinks.elasticsearch_logs, indexed[0]!.event) as { action: string; index: string; document: Any };
    assert.equal(action, "create");
    assert.equal(index, `${INDEX_FAMILIES.logs}-${line.timestamp.slice(0, 10)}`);
    assert.deepEqual(
      [document.trace_id, document.span_id, document.request_id, document.service, document.level, document.event, document.kubernetes.pod_name],
      [traceId, line.span_id, requestId, SERVICE, line.level, "request_completed", pod.pod],
    );
    const iso = (time: unknown) => new Date(String(time)).toISOString();
    assert.deepEqual([iso(document.timestamp), iso(document["@timestamp"]), document.source, document.pipeline], [line.timestamp, line.timestamp, "vector-agent", "app-logs"]);
    assert.deepEqual([document.partition, document.offset], [received.partition, received.offset]);
  });

  it("carries one JSON log line as the Vector agent writes it (its certificate, key pod_uid, zstd, acks=all) to the aggregator's group", () => {
    const agent = render.configMapData("log-agent", "vector-agent-config", "vector.yaml");
    assert.match(agent, /key_field: \.kubernetes\.pod_uid[\s\S]*compression: zstd[\s\S]*codec: json[\s\S]*acks: all/);
    const aggregator = parse(render.configMapData(NS, "vector-aggregator-config", "vector.yaml")) as Any;
    assert.equal(aggregator.sources.app_logs.group_id, GROUP);
    const produced = produce(clients.agent);
    assert.equal(produced.status, 0, produced.output);
    assert.doesNotMatch(produced.output, /Exception/);
    const consumed = consume(clients.aggregator, GROUP);
    assert.equal(consumed.status, 0, consumed.output);
    const record = consumed.output.split("\n").find((text) => text.startsWith(`${podUid}\t`));
    assert.ok(record, consumed.output);
    assert.deepEqual(JSON.parse(record.slice(podUid.length + 1)), LINE);
  });

  it("refuses the agent every read, and the aggregator every write and any other group", () => {
    assertReadRefused(consume(clients.agent, GROUP));
    const before = endOffsets();
    assert.match(produce(clients.aggregator).output, WRITE_REFUSED);
    assert.equal(endOffsets(), before, "nothing was written");
    assertReadRefused(consume(clients.aggregator, "another-group"), /GroupAuthorizationException: Not authorized to access group: another-group/);
  });

  it("refuses a config broken on purpose, with Kafka's message", () => {
    const broken = fs.readFileSync(file("server.properties"), "utf8").replace(/^log\.retention\.hours=.*$/m, "log.retention.hours=one week");
    fs.writeFileSync(file("broken.properties"), broken);
    const result = java(KAFKA_MAIN.broker, [file("broken.properties")]);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /Invalid value one week for configuration log\.retention\.hours: Not a number of type INT/);
  });
});
