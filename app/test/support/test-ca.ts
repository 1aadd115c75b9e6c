/**
 * A throwaway private CA and a server certificate it signs for 127.0.0.1, made with the openssl CLI (Node can
 * verify certificates but not issue them). Used where a test needs Vault behind TLS that no public CA signs,
 * as in a cluster. Everything lives in a fresh temporary directory; nothing is reused between runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  caCertPem: string;
  caCertFile: string;
  serverCertPem: string;
  serverCertFile: string;
  serverKeyPem: string;
  serverKeyFile: string;
}

export function makeTestCertificates(commonName = 'vault.test'): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'test-ca-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=blueprint test CA', '-keyout', file('ca.key'), '-out', file('ca.crt'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`, '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('san.ext'), `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${commonName}\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('san.ext'), '-out', file('server.crt'));
  return {
    dir,
    caCertPem: readFileSync(file('ca.crt'), 'utf8'),
    caCertFile: file('ca.crt'),
    serverCertPem: readFileSync(file('server.crt'), 'utf8'),
    serverCertFile: file('server.crt'),
    serverKeyPem: readFileSync(file('server.key'), 'utf8'),
    serverKeyFile: file('server.key'),
  };
}
