import * as assert from "node:assert/strict";
import { propertyName, serverProperties } from "../../systems/support/kafka";
import { toLoopback } from "../../systems/support/loopback";
import { podDiscoveryFromFile, podTargetGroup, selects } from "../../systems/support/prometheusDiscovery";

describe("test:systems' loopback rewrite (the only change to the staging render)", () => {
  it("turns whole cluster hostnames into 127.0.0.1 and keeps the ports", () => {
    const text = "bootstrap: kafka.observability.svc.cluster.local:9092\nvoters: 0@kafka-0.kafka-headless.observability.svc.cluster.local:9093";
    assert.equal(
      toLoopback(text, { hosts: ["kafka.observability.svc.cluster.local", "kafka-0.kafka-headless.observability.svc.cluster.local"] }),
      "bootstrap: 127.0.0.1:9092\nvoters: 0@127.0.0.1:9093",
    );
  });

  it("does not touch a hostname that only contains the one asked for", () => {
    const text = "a: kafka-0.kafka.ns.svc:9092 b: kafka.ns.svc:9092";
    assert.equal(toLoopback(text, { hosts: ["kafka.ns.svc"] }), "a: kafka-0.kafka.ns.svc:9092 b: 127.0.0.1:9092");
  });

  it("binds an empty listener host and 0.0.0.0 to loopback", () => {
    assert.equal(toLoopback("PLAINTEXT://:9092,CONTROLLER://:9093", { hosts: [""] }), "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
    assert.equal(toLoopback("endpoint: 0.0.0.0:4318", { hosts: ["0.0.0.0"] }), "endpoint: 127.0.0.1:4318");
  });

  it("moves in-pod paths, files and directories, to the given local paths", () => {
    const text = "rule_files: [/etc/prometheus/rules/alerts.yaml]\nfile: /var/run/secrets/blueprint/vault/role-id";
    assert.equal(
      toLoopback(text, { paths: { "/etc/prometheus/rules/alerts.yaml": "/tmp/x/alerts.yaml", "/var/run/secrets/blueprint/vault": "/tmp/v" } }),
      "rule_files: [/tmp/x/alerts.yaml]\nfile: /tmp/v/role-id",
    );
  });

  it("fails when the render no longer says what the rewrite expects", () => {
    assert.throws(() => toLoopback("a: b", { hosts: ["kafka.ns.svc"] }), /'kafka.ns.svc' does not occur/);
    assert.throws(() => toLoopback("/etc/a", { paths: { "/etc/a": "relative" } }), /not an absolute path/);
  });
});

describe("test:systems' other stand-ins for the cluster", () => {
  it("names Kafka properties from KAFKA_* variables by the apache/kafka image's rule", () => {
    assert.equal(propertyName("KAFKA_LOG_RETENTION_HOURS"), "log.retention.hours");
    assert.equal(propertyName("KAFKA_LISTENER_NAME_CONTROLLER___SASL__MECHANISM"), "listener.name.controller-sasl_mechanism");
    assert.equal(serverProperties({ KAFKA_NUM_PARTITIONS: "1", KAFKA_HEAP_OPTS: "-Xmx1g", CLUSTER_ID: "x" }, "kafka-2"), "node.id=2\nnum.partitions=1\n");
  });

  it("describes a Deployment's pod as Kubernetes discovery does: annotations and labels as __meta_kubernetes_* labels", () => {
    const deployment = {
      metadata: { name: "items-api", namespace: "apps" },
      spec: {
        template: {
          metadata: { labels: { "app.kubernetes.io/name": "items-api" }, annotations: { "prometheus.io/port": "8000" } },
          spec: { containers: [{ ports: [{ containerPort: 8000 }] }] },
        },
      },
    };
    const group = podTargetGroup(deployment, "127.0.0.1");
    assert.deepEqual(group.targets, ["127.0.0.1:8000"]);
    assert.equal(group.labels.__meta_kubernetes_pod_label_app_kubernetes_io_name, "items-api");
    assert.equal(group.labels.__meta_kubernetes_pod_annotation_prometheus_io_port, "8000");
    assert.throws(() => podDiscoveryFromFile("scrape_configs: []\n", "/tmp/pods.json", { namespace: "apps", labels: {} }), /no kubernetes_sd_configs job/);
  });

  it("hands over only a pod the rendered discovery would find: its label selector must select the pod", () => {
    const config = "scrape_configs:\n  - job_name: pods\n    kubernetes_sd_configs:\n      - role: pod\n        selectors:\n          - role: pod\n            label: enrolled=true\n";
    assert.match(podDiscoveryFromFile(config, "/tmp/pods.json", { namespace: "apps", labels: { enrolled: "true" } }), /file_sd_configs/);
    assert.throws(() => podDiscoveryFromFile(config, "/tmp/pods.json", { namespace: "apps", labels: {} }), /selector 'enrolled=true' does not select the pod/);
    assert.equal(selects("a=b,c=d", { a: "b", c: "d" }), true);
    assert.equal(selects("a=b,c=d", { a: "b" }), false);
  });
});
