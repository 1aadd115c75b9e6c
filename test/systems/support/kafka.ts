/**
 * How the apache/kafka image turns the StatefulSet's env into a broker, done here with the jars from Maven
 * Central: KAFKA_* variables become server.properties (the image's own naming rule), the node ID comes from
 * the pod ordinal as the rendered command computes it, and $(POD_NAME) is expanded as the kubelet would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { programs } from "./programs";
import { run } from "./processes";

/** Variables the image reads itself rather than writing them to server.properties. */
const NOT_PROPERTIES = new Set(["KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_VERSION"]);

/** KAFKA_LOG_RETENTION_HOURS → log.retention.hours ("___" is "-", "__" is "_"), as the image's configure script does. */
export function propertyName(variable: string): string {
  return variable
    .replace(/^KAFKA_/, "")
    .toLowerCase()
    .split("___")
    .map((part) => part.split("__").map((word) => word.replace(/_/g, ".")).join("_"))
    .join("-");
}

/** The kubelet expands $(POD_NAME) in env values before the container starts. */
export function expandPodName(env: Record<string, string>, podName: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value.replace(/\$\(POD_NAME\)/g, podName)]));
}

export function serverProperties(env: Record<string, string>, podName: string): string {
  const ordinal = /-(\d+)$/.exec(podName)?.[1];
  if (ordinal === undefined) throw new Error(`pod name ${podName} has no ordinal`);
  const settings: Record<string, string> = { KAFKA_NODE_ID: ordinal };
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("KAFKA_") && !NOT_PROPERTIES.has(name)) settings[name] = value;
  }
  return `${Object.entries(settings)
    .map(([name, value]) => `${propertyName(name)}=${value}`)
    .join("\n")}\n`;
}

/** Kubernetes memory quantity (Mi, Gi) in bytes. */
export function memoryBytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (match === null) throw new Error(`unsupported memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === "Gi" ? 1024 ** 3 : 1024 ** 2);
}

/**
 * `java` arguments for one Kafka class. The rendered heap options are percentages of the container's memory;
 * -XX:MaxRAM makes the JVM compute them against the pod's limit instead of the test host's memory.
 */
export function kafkaJava(mainClass: string, args: string[], jvm: { heapOpts?: string; memoryLimit?: string; log4jConfig?: string } = {}): string[] {
  return [
    ...(jvm.memoryLimit ? [`-XX:MaxRAM=${memoryBytes(jvm.memoryLimit)}`] : []),
    ...(jvm.heapOpts ? jvm.heapOpts.split(/\s+/) : []),
    ...(jvm.log4jConfig ? [`-Dlog4j2.configurationFile=${jvm.log4jConfig}`] : []),
    "-cp",
    programs.kafkaClasspath(),
    mainClass,
    ...args,
  ];
}

/** What the distribution's scripts run (bin/kafka-topics.sh → TopicCommand, and so on). */
export const KAFKA_MAIN = {
  broker: "kafka.Kafka",
  storage: "kafka.tools.StorageTool",
  "kafka-topics.sh": "org.apache.kafka.tools.TopicCommand",
  "kafka-acls.sh": "org.apache.kafka.tools.AclCommand",
  offsets: "org.apache.kafka.tools.GetOffsetShell",
  producer: "org.apache.kafka.tools.ConsoleProducer",
  consumer: "org.apache.kafka.tools.consumer.ConsoleConsumer",
} as const;

/** What the render asks of one certificate: its subject, its hosts and its key usages (tls resource inputs). */
export interface CertSpec {
  commonName: string;
  organization: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** @pulumi/tls allowedUses: server_auth, client_auth, ... */
  usages: string[];
}

const openssl = (args: string[], input?: string) => {
  const result = run("/usr/bin/openssl", args, { input, timeoutMs: 60_000 });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.output}`);
  return result.output;
};

/**
 * A CA of the test's own, with openssl: under mocks the tls resources hold no real PEMs, so the test issues
 * real ones for the subjects, hosts and usages the render declares.
 */
export class TestCa {
  readonly certFile: string;
  private readonly keyFile: string;
  private serial = 1;

  constructor(private readonly dir: string, name: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.certFile = path.join(dir, `${name}-ca.crt`);
    this.keyFile = path.join(dir, `${name}-ca.key`);
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", this.keyFile, "-out", this.certFile, "-days", "2", "-subj", `/O=production-blueprint/CN=${name}-ca`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  }

  /** ca.crt, tls.crt and tls.key (PKCS#8, unencrypted: what @pulumi/tls's privateKeyPemPkcs8 holds) in `target`. */
  issue(target: string, spec: CertSpec): void {
    fs.mkdirSync(target, { recursive: true });
    const key = path.join(target, "tls.key");
    const csr = path.join(this.dir, `${path.basename(target)}-${this.serial}.csr`);
    const ext = path.join(this.dir, `${path.basename(target)}-${this.serial}.ext`);
    openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", `/O=${spec.organization}/CN=${spec.commonName}`]);
    const extendedUsages = spec.usages.flatMap((usage) => (usage === "server_auth" ? ["serverAuth"] : usage === "client_auth" ? ["clientAuth"] : []));
    const names = [...(spec.dnsNames ?? []).map((name) => `DNS:${name}`), ...(spec.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
    fs.writeFileSync(ext, [`extendedKeyUsage=${extendedUsages.join(",")}`, "keyUsage=critical,digitalSignature,keyEncipherment", ...(names.length ? [`subjectAltName=${names.join(",")}`] : [])].join("\n"));
    openssl(["x509", "-req", "-in", csr, "-CA", this.certFile, "-CAkey", this.keyFile, "-set_serial", String(this.serial++), "-days", "1", "-out", path.join(target, "tls.crt"), "-extfile", ext]);
    fs.copyFileSync(this.certFile, path.join(target, "ca.crt"));
  }
}
