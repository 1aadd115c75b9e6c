import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type Mount, secretMount } from "../../k8s/mounts";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import { type CertificateAuthority, declareCertSecret } from "../certificates";
import { KAFKA_TLS_DIR } from "./kafkaConfig";

export interface KafkaCert {
  /** The Secret `<workload>-tls` in the workload's namespace: ca.crt, tls.crt, tls.key (CERT_FILES). */
  secretName: string;
  secret: k8s.core.v1.Secret;
  /** Public: a pod template's checksum is taken from it, so a re-issued certificate rolls the pods that read it. */
  certPem: pulumi.Output<string>;
}

/**
 * A Kafka identity: a certificate whose common name is the principal (KAFKA_PRINCIPALS), signed by the platform's
 * CA, in a Secret of the workload's own namespace that only its pods mount. A client certificate names no host;
 * the brokers' (with `dnsNames`) serves TLS too.
 */
export function declareKafkaCert(
  identity: WorkloadIdentity,
  cert: { principal: string; dnsNames?: string[] },
  ca: CertificateAuthority,
  parent: pulumi.Resource,
): KafkaCert {
  const secretName = `${identity.name}-tls`;
  const usages = cert.dnsNames ? ["server_auth", "client_auth"] : ["client_auth"];
  const issued = declareCertSecret(identity, { secretName, commonName: cert.principal, ...(cert.dnsNames ? { dnsNames: cert.dnsNames } : {}), usages }, ca, parent);
  return { secretName, secret: issued.secret, certPem: issued.certPem };
}

/** A Kafka pod's own certificate Secret, where kafkaTlsProperties reads it. */
export function kafkaTlsMount(secretName: string): Mount {
  return secretMount("kafka-tls", secretName, KAFKA_TLS_DIR);
}
