import * as assert from "node:assert/strict";
import { KAFKA_IMAGE } from "../../../components/observability/kafka";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { findObject, stackRun, type MockRun } from "../../support/runs";

type Any = Record<string, any>;
const NS = "observability";

const EXPECTED = {
  staging: { replicas: 1, partitions: "1", replication: "1", minIsr: "1", cpuRequest: "200m", memoryLimit: "1536Mi", volume: "10Gi" },
  production: { replicas: 3, partitions: "6", replication: "3", minIsr: "2", cpuRequest: "500m", memoryLimit: "4Gi", volume: "100Gi" },
} as const;

function kafka(run: MockRun): Any {
  return findObject(run, "StatefulSet", "kafka", NS) as Any;
}
function env(container: Any): Record<string, string> {
  return Object.fromEntries(container.env.filter((variable: Any) => "value" in variable).map((variable: Any) => [variable.name, variable.value]));
}

for (const stack of ["staging", "production"] as const) {
  describe(`Kafka on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));
    const expected = EXPECTED[stack];

    it(`runs ${expected.replicas} combined broker/controller node(s) from the pinned apache/kafka image, with the ${stack} sizing`, () => {
      const set = kafka(run);
      assert.equal(set.spec.replicas, expected.replicas);
      assert.equal(set.spec.podManagementPolicy, "Parallel");
      const container = set.spec.template.spec.containers[0];
      assert.equal(container.image, KAFKA_IMAGE);
      assert.match(container.image, /^apache\/kafka:\d+\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
      assert.equal(container.resources.requests.cpu, expected.cpuRequest);
      assert.equal(container.resources.limits.memory, expected.memoryLimit);
      assert.ok(container.resources.requests["ephemeral-storage"] && container.resources.limits["ephemeral-storage"]);
      assert.equal(env(container).KAFKA_PROCESS_ROLES, "broker,controller");
    });

    it("lists every node as a KRaft voter by its stable headless DNS name, and advertises the pod's own name", () => {
      const vars = env(kafka(run).spec.template.spec.containers[0]);
      const voters = Array.from({ length: expected.replicas }, (_, n) => `${n}@kafka-${n}.kafka-headless.${NS}.svc.cluster.local:9093`);
      assert.equal(vars.KAFKA_CONTROLLER_QUORUM_VOTERS, voters.join(","));
      assert.equal(vars.KAFKA_ADVERTISED_LISTENERS, `CLIENT://$(POD_NAME).kafka-headless.${NS}.svc.cluster.local:9092`);
      // The image's start script demands password-protected JKS stores as soon as it sees `SSL://` there.
      assert.ok(!vars.KAFKA_ADVERTISED_LISTENERS.includes("SSL://"));
      const names = kafka(run).spec.template.spec.containers[0].env.map((variable: Any) => variable.name);
      assert.ok(names.indexOf("POD_NAME") < names.indexOf("KAFKA_ADVERTISED_LISTENERS"), "POD_NAME must be defined before it is referenced");
    });

    it("sets replication, min.insync.replicas, partitions and 168 h retention explicitly, with listeners on an empty host", () => {
      const vars = env(kafka(run).spec.template.spec.containers[0]);
      assert.equal(vars.KAFKA_LISTENERS, "CLIENT://:9092,CONTROLLER://:9093");
      assert.equal(vars.KAFKA_CONTROLLER_LISTENER_NAMES, "CONTROLLER");
      assert.equal(vars.KAFKA_INTER_BROKER_LISTENER_NAME, "CLIENT");
      assert.equal(vars.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, "CLIENT:SSL,CONTROLLER:SSL");
      assert.equal(vars.KAFKA_NUM_PARTITIONS, expected.partitions);
      for (const key of ["KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]) {
        assert.equal(vars[key], expected.replication, key);
      }
      assert.equal(vars.KAFKA_MIN_INSYNC_REPLICAS, expected.minIsr);
      assert.equal(vars.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR, expected.minIsr);
      assert.equal(vars.KAFKA_LOG_RETENTION_HOURS, "168");
      assert.equal(vars.KAFKA_AUTO_CREATE_TOPICS_ENABLE, "false");
      assert.equal(vars.KAFKA_LOG_DIRS, "/var/lib/kafka/data/logs");
    });

    it("sets every key of the image's bundled single-node server.properties, so none falls back to a single-node value", () => {
      const vars = env(kafka(run).spec.template.spec.containers[0]);
      // The keys of apache/kafka's /etc/kafka/docker/server.properties other than node.id (set by the start command).
      const imageDefaults = [
        "process.roles", "controller.quorum.voters", "listeners", "inter.broker.listener.name", "advertised.listeners",
        "controller.listener.names", "listener.security.protocol.map", "num.network.threads", "num.io.threads", "log.dirs",
        "num.partitions", "num.recovery.threads.per.data.dir", "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr", "share.coordinator.state.topic.replication.factor", "share.coordinator.state.topic.min.isr",
        "log.retention.hours", "log.segment.bytes", "log.retention.check.interval.ms",
      ];
      const missing = imageDefaults.map((key) => `KAFKA_${key.replace(/\./g, "_").toUpperCase()}`).filter((name) => vars[name] === undefined);
      assert.deepEqual(missing, []);
    });

    it("derives the node ID from the pod ordinal in the start command, never from a fixed variable", () => {
      const container = kafka(run).spec.template.spec.containers[0];
      assert.deepEqual(container.command.slice(0, 2), ["/bin/bash", "-c"]);
      assert.match(container.command[2], /KAFKA_NODE_ID="\$\{HOSTNAME##\*-\}"/);
      assert.match(container.command[2], /exec \/etc\/kafka\/docker\/run$/);
      assert.equal(env(container).KAFKA_NODE_ID, undefined);
    });

    it("uses one 22-character URL-safe base64 CLUSTER_ID generated by @pulumi/random", () => {
      const clusterId = env(kafka(run).spec.template.spec.containers[0]).CLUSTER_ID;
      assert.match(clusterId, /^[A-Za-z0-9_-]{22}$/);
      const generator = run.resources.find((resource) => resource.type === "random:index/randomId:RandomId" && resource.name === "kafka-cluster-id");
      assert.equal(generator?.inputs.byteLength, 16);
    });

    it("runs as numeric UID/GID 1000 under restricted, with emptyDirs on config, logs and /tmp and the data on a PVC", () => {
      const pod = kafka(run).spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      assert.equal(pod.securityContext.runAsUser, 1000);
      assert.equal(pod.securityContext.runAsGroup, 1000);
      assert.equal(pod.securityContext.fsGroup, 1000);
      assert.equal(pod.enableServiceLinks, false);
      assert.equal(pod.automountServiceAccountToken, false);
      const mounts = Object.fromEntries(pod.containers[0].volumeMounts.map((mount: Any) => [mount.mountPath, mount.name]));
      assert.deepEqual(mounts, { "/tmp": "tmp", "/opt/kafka/config": "config", "/opt/kafka/logs": "logs", "/var/lib/kafka/data": "data", "/etc/kafka/tls": "kafka-tls", "/etc/kafka/client": "client-config" });
      for (const name of ["tmp", "config", "logs"]) assert.ok(pod.volumes.find((volume: Any) => volume.name === name).emptyDir, name);
      const claim = kafka(run).spec.volumeClaimTemplates[0];
      assert.equal(claim.metadata.name, "data");
      assert.equal(claim.spec.resources.requests.storage, expected.volume);
    });

    it("probes the client and controller listeners with TCP connects (no certificate needed) and exposes 9092 and 9093", () => {
      const container = kafka(run).spec.template.spec.containers[0];
      assert.deepEqual(
        container.ports.map((port: Any) => `${port.name}:${port.containerPort}`),
        ["client:9092", "controller:9093"],
      );
      assert.deepEqual(container.startupProbe.tcpSocket, { port: "client" });
      assert.deepEqual(container.readinessProbe.tcpSocket, { port: "client" });
      assert.deepEqual(container.livenessProbe.tcpSocket, { port: "controller" });
    });

    it("has a headless Service publishing not-ready addresses, a client Service on 9092 and a PDB", () => {
      const headless = findObject(run, "Service", "kafka-headless", NS) as Any;
      assert.equal(headless.spec.clusterIP, "None");
      assert.equal(headless.spec.publishNotReadyAddresses, true);
      assert.deepEqual(headless.spec.ports.map((port: Any) => `${port.name}:${port.port}`), ["client:9092", "controller:9093"]);
      assert.equal(kafka(run).spec.serviceName, "kafka-headless");
      const client = findObject(run, "Service", "kafka", NS) as Any;
      assert.deepEqual(client.spec.ports.map((port: Any) => `${port.name}:${port.port}:${port.targetPort}`), ["client:9092:client"]);
      const pdb = findObject(run, "PodDisruptionBudget", "kafka", NS) as Any;
      assert.deepEqual(pdb.spec.selector.matchLabels, { "app.kubernetes.io/name": "kafka" });
      assert.equal(pdb.spec.maxUnavailable, 1);
      assert.equal(pdb.spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
    });

    it(`creates app-logs idempotently with ${expected.partitions} partition(s) and replication ${expected.replication} in a restricted Job`, () => {
      const job = findObject(run, "Job", "kafka-topics", NS) as Any;
      const pod = job.spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), []);
      assert.equal(pod.restartPolicy, "Never");
      const command: string[] = pod.containers[0].command;
      assert.equal(command[0], "/opt/kafka/bin/kafka-topics.sh");
      const flag = (name: string) => command[command.indexOf(name) + 1];
      assert.ok(command.includes("--create") && command.includes("--if-not-exists"));
      assert.equal(flag("--topic"), "app-logs");
      assert.equal(flag("--bootstrap-server"), `kafka.${NS}.svc.cluster.local:9092`);
      assert.equal(flag("--command-config"), "/etc/kafka/client/client.properties");
      assert.equal(flag("--partitions"), expected.partitions);
      assert.equal(flag("--replication-factor"), expected.replication);
      const configs = command.filter((_, index) => command[index - 1] === "--config");
      assert.deepEqual(configs, [`min.insync.replicas=${expected.minIsr}`, `retention.ms=${168 * 3600 * 1000}`]);
    });
  });
}
