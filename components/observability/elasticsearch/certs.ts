import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { clusterHost } from "../../platformEndpoints";
import { declareSecret } from "../../k8s/controllers";
import type { WorkloadIdentity } from "../../k8s/objectMeta";

/** Secret with the node's key pair and the CA (mounted by Elasticsearch) and one with the CA only (for clients). */
export const CERT_SECRETS = { node: "elasticsearch-certs", ca: "elasticsearch-ca", kibana: "kibana-certs" } as const;

/** The private CA's key and certificate, to sign further server certificates (Kibana's). */
export interface CertificateAuthority {
  keyPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
}
export const CERT_FILES = { ca: "ca.crt", cert: "tls.crt", key: "tls.key" } as const;

const CA_VALIDITY_HOURS = 10 * 365 * 24;
const NODE_VALIDITY_HOURS = 2 * 365 * 24;
// `pulumi up` re-issues the node certificate once it is within 30 days of expiry.
const NODE_EARLY_RENEWAL_HOURS = 30 * 24;

/**
 * Every name a client or a peer may use for a node: the client Service in its short and full forms, each
 * pod behind the headless Service, and localhost for the node's own readiness probe.
 */
export function elasticsearchDnsNames(serviceName: string, headlessServiceName: string, namespace: string): string[] {
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

/**
 * A private CA and one node certificate (HTTP and transport), generated in the stack: the keys stay
 * Pulumi secrets and reach the pods only through Kubernetes Secrets.
 */
export function declareElasticsearchCerts(identity: WorkloadIdentity, dnsNames: string[], parent: pulumi.Resource): CertificateAuthority {
  const opts = { parent };
  const caKey = new tls.PrivateKey(`${identity.name}-ca-key`, { algorithm: "RSA", rsaBits: 4096 }, opts);
  const caCert = new tls.SelfSignedCert(
    `${identity.name}-ca-cert`,
    {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: CA_VALIDITY_HOURS,
      allowedUses: ["cert_signing", "crl_signing"],
      subject: { commonName: `${identity.name}-ca`, organization: "production-blueprint" },
    },
    opts,
  );
  const ca = { keyPem: pulumi.secret(caKey.privateKeyPem), certPem: caCert.certPem };
  // Transport TLS is mutual: every node is both server and client of its peers.
  const node = issueCert(`${identity.name}-node`, identity.name, dnsNames, ca, ["server_auth", "client_auth"], opts);
  const files = { [CERT_FILES.ca]: caCert.certPem, [CERT_FILES.cert]: node.certPem, [CERT_FILES.key]: node.keyPem };
  declareSecret(identity, CERT_SECRETS.node, files, { ...opts, resourceName: `${CERT_SECRETS.node}-secret` });
  declareSecret(identity, CERT_SECRETS.ca, { [CERT_FILES.ca]: caCert.certPem }, { ...opts, resourceName: `${CERT_SECRETS.ca}-secret` });
  return ca;
}

/**
 * A key and a certificate signed by the CA, for `dnsNames` and 127.0.0.1 (the pod's own probes), re-issued by
 * `pulumi up` within 30 days of expiry. The key stays a Pulumi secret.
 */
function issueCert(
  resourcePrefix: string,
  commonName: string,
  dnsNames: string[],
  ca: CertificateAuthority,
  usages: string[],
  opts: pulumi.CustomResourceOptions,
): { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> } {
  const key = new tls.PrivateKey(`${resourcePrefix}-key`, { algorithm: "RSA", rsaBits: 2048 }, opts);
  const request = new tls.CertRequest(
    `${resourcePrefix}-csr`,
    { privateKeyPem: key.privateKeyPem, subject: { commonName, organization: "production-blueprint" }, dnsNames, ipAddresses: ["127.0.0.1"] },
    opts,
  );
  const cert = new tls.LocallySignedCert(
    `${resourcePrefix}-cert`,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: ca.keyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: NODE_VALIDITY_HOURS,
      earlyRenewalHours: NODE_EARLY_RENEWAL_HOURS,
      allowedUses: ["digital_signature", "key_encipherment", ...usages],
    },
    opts,
  );
  return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPemPkcs8) };
}

/**
 * A server certificate from the same CA for Kibana: its setup Job (and anything else that mounts the CA)
 * then reaches it over verified TLS, so no password crosses the network in clear.
 */
export function declareKibanaCert(identity: WorkloadIdentity, dnsNames: string[], ca: CertificateAuthority, parent: pulumi.Resource): void {
  const opts = { parent };
  const server = issueCert(`${identity.name}-server`, identity.name, dnsNames, ca, ["server_auth"], opts);
  declareSecret(identity, CERT_SECRETS.kibana, { [CERT_FILES.cert]: server.certPem, [CERT_FILES.key]: server.keyPem }, { ...opts, resourceName: `${CERT_SECRETS.kibana}-secret` });
}
