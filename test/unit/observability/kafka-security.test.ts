import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { type MockRun, findObject, objectsOf, stackRun } from "../../support/runs";

type Any = Record<string, any>;
const NS = "observability";
const AGENT_NS = "log-agent";
const MAPPING_RULE = "RULE:^CN=([a-z0-9-]+),O=production-blueprint$/$1/";

function env(run: MockRun): Record<string, string> {
  const container = (findObject(run, "StatefulSet", "kafka", NS) as Any).spec.template.spec.containers[0];
  return Object.fromEntries(container.env.filter((variable: Any) => "value" in variable).map((variable: Any) => [variable.name, variable.value]));
}

/** Each Kafka identity: the Secret its pods mount, where, the certificate's common name and its key usages. */
const IDENTITIES = [
  { workload: ["StatefulSet", "kafka", NS], secret: "kafka-tls", dir: "/etc/kafka/tls", commonName: "kafka", usages: ["server_auth", "client_auth"] },
  { workload: ["Job", "kafka-acls", NS], secret: "kafka-acls-tls", dir: "/etc/kafka/tls", commonName: "kafka", usages: ["client_auth"] },
  { workload: ["Job", "kafka-topics", NS], secret: "kafka-topics-tls", dir: "/etc/kafka/tls", commonName: "kafka-topics", usages: ["client_auth"] },
  { workload: ["DaemonSet", "vector-agent", AGENT_NS], secret: "vector-agent-tls", dir: "/etc/blueprint/kafka-tls", commonName: "vector-agent", usages: ["client_auth"] },
  { workload: ["Deployment", "vector-aggregator", NS], secret: "vector-aggregator-tls", dir: "/etc/blueprint/kafka-tls", commonName: "vector-aggregator", usages: ["client_auth"] },
] as const;

const podSpecOf = (object: Any): Any | undefined => object.spec?.template?.spec ?? object.spec?.jobTemplate?.spec?.template?.spec;

for (const stack of ["staging", "production"] as const) {
  describe(`Kafka security on ${stack}: TLS, client certificates, ACLs`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));
    const resource = (type: string, name: string) => run.resources.find((entry) => entry.type === type && entry.name === name)?.inputs as Any;

    it("signs with Elasticsearch's CA only Elasticsearch's node and Kibana's server certificate, so no Kafka identity passes its transport check", () => {
      const signedBy = (ca: RegExp) =>
        run.resources
          .filter((entry) => entry.type === "tls:index/locallySignedCert:LocallySignedCert" && ca.test(String((entry.inputs as Any).caCertPem)))
          .map((entry) => entry.name)
          .sort();
      assert.deepEqual(signedBy(/mock-elasticsearch-ca-cert/), ["elasticsearch-node-cert", "kibana-server-cert"]);
      assert.deepEqual(signedBy(/mock-kafka-ca-cert/), IDENTITIES.map((identity) => `${identity.secret}-cert`).sort());
    });

    it("requires a certificate from Kafka's own CA on both listeners, maps subjects to short principals, and authorizes with ACLs only", () => {
      const vars = env(run);
      assert.equal(vars.KAFKA_SSL_CLIENT_AUTH, "required");
      assert.equal(vars.KAFKA_SSL_PRINCIPAL_MAPPING_RULES, MAPPING_RULE);
      assert.equal(vars.KAFKA_AUTHORIZER_CLASS_NAME, "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
      assert.equal(vars.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND, "false");
      assert.equal(vars.KAFKA_SUPER_USERS, "User:kafka");
      assert.equal(vars.KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, "https");
      assert.equal(vars.KAFKA_SSL_TRUSTSTORE_TYPE, "PEM");
      assert.equal(vars.KAFKA_SSL_TRUSTSTORE_LOCATION, "/etc/kafka/tls/ca.crt");
      assert.equal(vars.KAFKA_SSL_KEYSTORE_TYPE, "PEM");
      // The key is read from the mounted file by a config provider: never a variable's value, never a password.
      assert.equal(vars.KAFKA_SSL_KEYSTORE_KEY, "${tls:/etc/kafka/tls:tls.key}");
      assert.equal(vars.KAFKA_SSL_KEYSTORE_CERTIFICATE_CHAIN, "${tls:/etc/kafka/tls:tls.crt}");
      assert.equal(vars.KAFKA_CONFIG_PROVIDERS_TLS_CLASS, "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
      assert.equal(vars.KAFKA_CONFIG_PROVIDERS_TLS_PARAM_ALLOWED_PATHS, "/etc/kafka/tls");
      assert.equal(vars.KAFKA_SSL_KEY_PASSWORD, undefined);
      const container = (findObject(run, "StatefulSet", "kafka", NS) as Any).spec.template.spec.containers[0];
      assert.ok(container.env.every((variable: Any) => !variable.valueFrom?.secretKeyRef), "no Secret reaches the broker as a variable");
    });

    for (const identity of IDENTITIES) {
      const [kind, name, namespace] = identity.workload;
      it(`gives ${kind} ${name} its own certificate (CN=${identity.commonName}, ${identity.usages.join(" + ")}) from Kafka's own CA (never Elasticsearch's, whose transport would trust it), mounted at ${identity.dir}`, () => {
        const secret = findObject(run, "Secret", identity.secret, namespace) as Any;
        assert.deepEqual(Object.keys(secret.stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
        const pod = (findObject(run, kind, name, namespace) as Any).spec.template.spec;
        const volume = pod.volumes.find((entry: Any) => entry.secret?.secretName === identity.secret);
        assert.ok(volume, `${name} mounts ${identity.secret}`);
        assert.equal(volume.secret.defaultMode, 0o440);
        const mount = pod.containers[0].volumeMounts.find((entry: Any) => entry.name === volume.name);
        assert.deepEqual([mount.mountPath, mount.readOnly], [identity.dir, true]);
        const request = resource("tls:index/certRequest:CertRequest", `${identity.secret}-csr`);
        assert.deepEqual(request.subject, { commonName: identity.commonName, organization: "production-blueprint" });
        const cert = resource("tls:index/locallySignedCert:LocallySignedCert", `${identity.secret}-cert`);
        assert.deepEqual(cert.allowedUses, ["digital_signature", "key_encipherment", ...identity.usages]);
        // Kafka's own CA, never Elasticsearch's: its transport admits any certificate its CA signed (certificates.ts).
        assert.match(cert.caCertPem, /mock-kafka-ca-cert/);
        assert.deepEqual([cert.validityPeriodHours, cert.earlyRenewalHours], [2 * 365 * 24, 30 * 24]);
        if (identity.usages.length === 1) assert.equal(request.dnsNames, undefined, "a client certificate names no host");
      });
    }

    it("names every host a client or a peer dials in the brokers' certificate: the Service and each pod behind the headless Service", () => {
      const request = resource("tls:index/certRequest:CertRequest", "kafka-tls-csr");
      assert.ok(request.dnsNames.includes(`kafka.${NS}.svc.cluster.local`));
      assert.ok(request.dnsNames.includes(`*.kafka-headless.${NS}.svc.cluster.local`));
      assert.deepEqual(request.ipAddresses, ["127.0.0.1"]);
    });

    it("mounts each Kafka certificate Secret into its own pods and no other", () => {
      const owners: Record<string, string[]> = {};
      for (const object of objectsOf(run) as Any[]) {
        const pod = podSpecOf(object);
        for (const volume of pod?.volumes ?? []) {
          const secretName = volume.secret?.secretName ?? volume.projected?.sources?.find((source: Any) => source.secret)?.secret.name;
          if (IDENTITIES.some((identity) => identity.secret === secretName)) (owners[secretName] ??= []).push(`${object.kind}/${object.metadata.name}`);
        }
      }
      assert.deepEqual(owners, Object.fromEntries(IDENTITIES.map((identity) => [identity.secret, [`${identity.workload[0]}/${identity.workload[1]}`]])));
    });

    it("rolls the brokers and the Vector pods when their certificate is re-issued (they read it only at start)", () => {
      const annotations = (kind: string, name: string, namespace: string) => (findObject(run, kind, name, namespace) as Any).spec.template.metadata.annotations;
      assert.ok(annotations("StatefulSet", "kafka", NS)["checksum.blueprint.io/tls-certificate"]);
      assert.ok(annotations("DaemonSet", "vector-agent", AGENT_NS)["checksum.blueprint.io/kafka-certificate"]);
      assert.ok(annotations("Deployment", "vector-aggregator", NS)["checksum.blueprint.io/kafka-certificate"]);
    });

    it("creates exactly the least-privilege ACLs, idempotently (--add only)", () => {
      const acls = findObject(run, "Job", "kafka-acls", NS) as Any;
      const [shell, flag, script] = acls.spec.template.spec.containers[0].command;
      assert.deepEqual([shell, flag], ["/bin/bash", "-c"]);
      const bindings = (script as string)
        .split("\n")
        .filter((line) => line.startsWith("/opt/kafka/bin/kafka-acls.sh"))
        .map((line) => {
          const words = line.split(" ");
          const option = (name: string) => words.filter((_, index) => words[index - 1] === name);
          assert.equal(option("--bootstrap-server")[0], `kafka.${NS}.svc.cluster.local:9092`);
          assert.equal(option("--command-config")[0], "/etc/kafka/client/client.properties");
          assert.ok(words.includes("--add") && !words.includes("--deny-principal"));
          assert.deepEqual(option("--resource-pattern-type"), ["literal"]);
          const target = option("--topic").length ? `topic ${option("--topic")[0]}` : `group ${option("--group")[0]}`;
          return `${option("--allow-principal")[0]} ${option("--operation").join("+")} ${target}`;
        });
      assert.match(script, /^set -eu$/m);
      assert.deepEqual(bindings, [
        "User:vector-agent Write topic app-logs",
        "User:vector-aggregator Read topic app-logs",
        "User:vector-aggregator Read group vector-aggregator",
        "User:kafka-topics Create topic app-logs",
      ]);
      // The group the aggregator's ACL names is the one its source joins.
      const aggregator = parse((findObject(run, "ConfigMap", "vector-aggregator-config", NS) as Any).data["vector.yaml"]) as Any;
      assert.equal(aggregator.sources.app_logs.group_id, "vector-aggregator");
    });

    it("gives the tools one client.properties of paths only (TLS, PEM files read by a config provider)", () => {
      const text = (findObject(run, "ConfigMap", "kafka-client-config", NS) as Any).data["client.properties"] as string;
      const properties = Object.fromEntries(text.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
      assert.equal(properties["security.protocol"], "SSL");
      assert.equal(properties["ssl.keystore.key"], "${tls:/etc/kafka/tls:tls.key}");
      assert.equal(properties["ssl.truststore.location"], "/etc/kafka/tls/ca.crt");
      assert.equal(properties["ssl.endpoint.identification.algorithm"], "https");
      assert.ok(!/BEGIN|PRIVATE/.test(text));
    });

    for (const [workload, namespace, section, component] of [
      ["vector-agent", AGENT_NS, "sinks", "kafka"],
      ["vector-aggregator", NS, "sources", "app_logs"],
    ] as const) {
      it(`renders ${workload}'s Kafka ${section === "sinks" ? "sink" : "source"} on TLS with its own certificate, verifying the broker's certificate and hostname`, () => {
        const config = parse((findObject(run, "ConfigMap", `${workload}-config`, namespace) as Any).data["vector.yaml"]) as Any;
        assert.deepEqual(config[section][component].tls, {
          enabled: true,
          ca_file: "/etc/blueprint/kafka-tls/ca.crt",
          crt_file: "/etc/blueprint/kafka-tls/tls.crt",
          key_file: "/etc/blueprint/kafka-tls/tls.key",
          verify_certificate: true,
          verify_hostname: true,
        });
      });
    }
  });
}
