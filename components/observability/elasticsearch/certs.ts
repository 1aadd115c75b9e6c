import * as pulumi from "@pulumi/pulumi";
import { declareSecret } from "../../k8s/controllers";
import type { WorkloadIdentity } from "../../k8s/objectMeta";
import { CERT_FILES, type CertificateAuthority, declareCertificateAuthority, issueCert, statefulSetDnsNames } from "../certificates";

export { CERT_FILES, type CertificateAuthority } from "../certificates";

/** Secret with the node's key pair and the CA (mounted by Elasticsearch) and one with the CA only (for clients). */
export const CERT_SECRETS = { node: "elasticsearch-certs", ca: "elasticsearch-ca", kibana: "kibana-certs" } as const;


/** Every name a client or a peer may use for a node (statefulSetDnsNames). */
export function elasticsearchDnsNames(serviceName: string, headlessServiceName: string, namespace: string): string[] {
  return statefulSetDnsNames(serviceName, headlessServiceName, namespace);
}

/**
 * Elasticsearch's private CA (certificates.ts: one per trust domain) and one node certificate (HTTP and
 * transport), generated in the stack: the keys stay Pulumi secrets and reach the pods only through Kubernetes
 * Secrets. The CA is returned so Kibana has its server certificate signed by it too.
 */
export function declareElasticsearchCerts(identity: WorkloadIdentity, dnsNames: string[], parent: pulumi.Resource): CertificateAuthority {
  const opts = { parent };
  // The resource names are the ones this CA has always had (`elasticsearch-ca-key`, `elasticsearch-ca-cert`).
  const ca = declareCertificateAuthority(identity.name, parent);
  // Transport TLS is mutual: every node is both server and client of its peers.
  const node = issueCert(`${identity.name}-node`, identity.name, dnsNames, ca, ["server_auth", "client_auth"], opts);
  const files = { [CERT_FILES.ca]: ca.certPem, [CERT_FILES.cert]: node.certPem, [CERT_FILES.key]: node.keyPem };
  declareSecret(identity, CERT_SECRETS.node, files, { ...opts, resourceName: `${CERT_SECRETS.node}-secret` });
  declareSecret(identity, CERT_SECRETS.ca, { [CERT_FILES.ca]: ca.certPem }, { ...opts, resourceName: `${CERT_SECRETS.ca}-secret` });
  return ca;
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
