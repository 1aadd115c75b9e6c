import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { declareSecret } from "../k8s/controllers";
import type { WorkloadIdentity } from "../k8s/objectMeta";
import { clusterHost } from "../platformEndpoints";

/**
 * The platform's private CAs and the certificates they sign: one per trust domain. Elasticsearch's CA signs its
 * nodes and Kibana; Kafka's signs its brokers and every Kafka client. Two, because Elasticsearch's transport
 * layer admits any node certificate its CA signed (`verification_mode: certificate`): a Kafka client's
 * certificate from the same CA would pass it. Keys are generated in the stack, stay Pulumi secrets and reach
 * pods only through Kubernetes Secrets, which pods mount as files.
 */
export interface CertificateAuthority {
  keyPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
}

/** The file names of every certificate Secret: the CA, the certificate and its key, all PEM. */
export const CERT_FILES = { ca: "ca.crt", cert: "tls.crt", key: "tls.key" } as const;

/** Every certificate's organization: Kafka maps only subjects under it to principals (kafkaConfig.ts). */
export const CERT_ORGANIZATION = "production-blueprint";

const CA_VALIDITY_HOURS = 10 * 365 * 24;
const CERT_VALIDITY_HOURS = 2 * 365 * 24;
// `pulumi up` re-issues a certificate once it is within 30 days of expiry.
const CERT_EARLY_RENEWAL_HOURS = 30 * 24;

export interface IssuedCert {
  /** Not secret: what a pod template's checksum is taken from, so a re-issued certificate rolls its pods. */
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
}

/**
 * Every name a client or a peer may use for a pod of a StatefulSet: the client Service in its short and full
 * forms, each pod behind the headless Service, and localhost for the pod's own probes and tools.
 */
export function statefulSetDnsNames(serviceName: string, headlessServiceName: string, namespace: string): string[] {
  return [
    serviceName,
    `${serviceName}.${namespace}`,
    `${serviceName}.${namespace}.svc`,
    clusterHost(serviceName, namespace),
    clusterHost(headlessServiceName, namespace),
    `*.${clusterHost(headlessServiceName, namespace)}`,
    "localhost",
  ];
}

/** A CA: its key (`<name>-ca-key`, a Pulumi secret) and its self-signed certificate (`<name>-ca-cert`), ten years. */
export function declareCertificateAuthority(name: string, parent: pulumi.Resource): CertificateAuthority {
  const opts = { parent };
  const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "RSA", rsaBits: 4096 }, opts);
  const caCert = new tls.SelfSignedCert(
    `${name}-ca-cert`,
    {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: CA_VALIDITY_HOURS,
      allowedUses: ["cert_signing", "crl_signing"],
      subject: { commonName: `${name}-ca`, organization: CERT_ORGANIZATION },
    },
    opts,
  );
  return { keyPem: pulumi.secret(caKey.privateKeyPem), certPem: caCert.certPem };
}

/**
 * A key and a certificate signed by the CA, re-issued by `pulumi up` within 30 days of expiry. A server
 * certificate names `dnsNames` and 127.0.0.1 (the pod's own probes); a client certificate (no `dnsNames`) names
 * no host at all: its subject is the identity. The key stays a Pulumi secret.
 */
export function issueCert(
  resourcePrefix: string,
  commonName: string,
  dnsNames: string[],
  ca: CertificateAuthority,
  usages: string[],
  opts: pulumi.CustomResourceOptions,
): IssuedCert {
  const key = new tls.PrivateKey(`${resourcePrefix}-key`, { algorithm: "RSA", rsaBits: 2048 }, opts);
  const hosts = dnsNames.length > 0 ? { dnsNames, ipAddresses: ["127.0.0.1"] } : {};
  const request = new tls.CertRequest(`${resourcePrefix}-csr`, { privateKeyPem: key.privateKeyPem, subject: { commonName, organization: CERT_ORGANIZATION }, ...hosts }, opts);
  const cert = new tls.LocallySignedCert(
    `${resourcePrefix}-cert`,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: ca.keyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: CERT_VALIDITY_HOURS,
      earlyRenewalHours: CERT_EARLY_RENEWAL_HOURS,
      allowedUses: ["digital_signature", "key_encipherment", ...usages],
    },
    opts,
  );
  return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPemPkcs8) };
}

/**
 * A certificate and the CA in one Secret of the identity's namespace (CERT_FILES), for the one pod that
 * mounts it. `usages` adds server_auth for a server that is also a client of its peers.
 */
export function declareCertSecret(
  identity: WorkloadIdentity,
  cert: { secretName: string; commonName: string; dnsNames?: string[]; usages: string[] },
  ca: CertificateAuthority,
  parent: pulumi.Resource,
): IssuedCert & { secret: k8s.core.v1.Secret } {
  const opts = { parent };
  const issued = issueCert(cert.secretName, cert.commonName, cert.dnsNames ?? [], ca, cert.usages, opts);
  const files = { [CERT_FILES.ca]: ca.certPem, [CERT_FILES.cert]: issued.certPem, [CERT_FILES.key]: issued.keyPem };
  return { ...issued, secret: declareSecret(identity, cert.secretName, files, { ...opts, resourceName: `${cert.secretName}-secret` }) };
}
