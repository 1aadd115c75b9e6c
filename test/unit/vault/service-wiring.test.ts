/**
 * What the stack hands the service about Vault beyond credentials: the AppRole mount it logs in on, the
 * Enterprise namespace, the CA that signs Vault's certificate, and the AppRole mount's lockout setting.
 */
import * as assert from "node:assert/strict";
import { makeTestCertificates } from "../../../app/test/support/test-ca.js";
import { ConfigError, parseConfig } from "../../../components/stackConfig";
import { lockoutTuneBody } from "../../../components/vault/backends";
import { revealSecrets } from "../../../scripts/lib/secrets";
import { findObject, runWith, stackRun, type MockRun } from "../../support/runs";
import { appRoleStack, edited } from "../../support/stackEdits";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";

type Any = Record<string, any>;
const SERVICE = "items-api";
const ENDPOINT = "vault:generic/endpoint:Endpoint";


const envOf = (run: MockRun): Any => (findObject(run, "ConfigMap", `${SERVICE}-config`, "apps") as Any).data;
const podOf = (run: MockRun): Any => (findObject(run, "Deployment", SERVICE, "apps") as Any).spec.template;
const endpoints = (run: MockRun) => run.resources.filter((resource) => resource.type === ENDPOINT);

describe("Vault wiring: the AppRole mount reaches the service", () => {
  it("passes the configured mount as VAULT_APPROLE_MOUNT, the path the role lives on", async () => {
    const run = await runWith("staging", appRoleStack("staging", (v) => (v.vault.approleMount.path = "approle-apps")));
    assert.equal(envOf(run).VAULT_APPROLE_MOUNT, "approle-apps");
    const role = run.resources.find((resource) => resource.type === "vault:appRole/authBackendRole:AuthBackendRole");
    assert.equal(role?.inputs.backend, "approle-apps");
  });
});

describe("Vault wiring: the AppRole mount's lockout", () => {
  // Staging's and production's mounts are the operators' (ci-identity/), so a created mount is a stack's edit.
  const creating = (lockout?: Any) =>
    edited("staging", (v) => {
      v.vault.approleMount = { path: "approle", create: true, ...(lockout ? { lockout } : {}) };
    });

  it("a stack that creates its AppRole mount tunes it through sys/auth/<mount>/tune, with the configured lockout", async () => {
    const run = await runWith("staging", creating({ threshold: 20, duration: "5m", counterReset: "5m" }));
    const [tune, ...others] = endpoints(run);
    assert.equal(others.length, 0);
    assert.equal(tune?.inputs.path, "sys/auth/approle/tune");
    // The provider marks dataJson secret, although a lockout setting is not.
    assert.deepEqual(JSON.parse(String(revealSecrets(tune?.inputs.dataJson))), {
      user_lockout_config: { lockout_threshold: "20", lockout_duration: "300s", lockout_counter_reset_duration: "300s", lockout_disable: false },
    });
    // The tune endpoint answers with the whole mount config, and a tune has nothing to delete.
    assert.equal(tune?.inputs.disableRead, true);
    assert.equal(tune?.inputs.disableDelete, true);
  });

  it("staging and production leave the operators' existing mount untuned, and refuse a lockout they could not apply", async () => {
    assert.equal(endpoints(await stackRun("staging")).length, 0);
    assert.equal(endpoints(await stackRun("production")).length, 0);
    assert.throws(
      () => parseConfig(edited("production", (v) => (v.vault.approleMount.lockout = { disable: true })), "production"),
      (error: unknown) => error instanceof ConfigError && /vault\.approleMount\.lockout: is applied only to a mount this stack creates/.test(error.message),
    );
  });

  it("states Vault's defaults when a created mount names no lockout, and can disable it", () => {
    const config = parseConfig(creating(), "staging");
    assert.deepEqual(config.vault.enabled && config.vault.approleMount.lockout, { threshold: 5, duration: "15m", counterReset: "15m" });
    assert.deepEqual(lockoutTuneBody({ disable: true }), { user_lockout_config: { lockout_disable: true } });
  });
});

describe("Vault wiring: Enterprise namespace", () => {
  it("sets the provider's namespace and the service's VAULT_NAMESPACE from vault.namespace", async () => {
    const run = await runWith("staging", edited("staging", (v) => (v.vault.namespace = "admin/team-a")));
    const provider = run.resources.find((resource) => resource.type === "pulumi:providers:vault");
    assert.equal(provider?.inputs.namespace, "admin/team-a");
    assert.equal(envOf(run).VAULT_NAMESPACE, "admin/team-a");
  });

  it("sets neither without it (open-source Vault)", async () => {
    const run = await stackRun("staging");
    assert.equal(envOf(run).VAULT_NAMESPACE, undefined);
  });
});

describe("Vault wiring: the CA that signs Vault's certificate", () => {
  const ca = makeTestCertificates().caCertPem;
  let run: MockRun;
  before(async () => (run = await runWith("staging", edited("staging", (v) => (v.vault.caCert = ca)))));

  it("puts the CA in a ConfigMap mounted read-only at the file VAULT_CA_CERT_FILE names", () => {
    const configMap = findObject(run, "ConfigMap", `${SERVICE}-vault-ca`, "apps") as Any;
    assert.deepEqual(configMap.data, { "ca.crt": ca });
    const pod = podOf(run).spec;
    const volume = pod.volumes.find((entry: Any) => entry.configMap?.name === `${SERVICE}-vault-ca`);
    const mount = pod.containers[0].volumeMounts.find((entry: Any) => entry.name === volume.name);
    assert.equal(mount.readOnly, true);
    assert.equal(`${mount.mountPath}/${volume.configMap.items[0].path}`, envOf(run).VAULT_CA_CERT_FILE);
  });

  it("rolls the pods when the CA changes (the service reads it once at start)", async () => {
    const other = await runWith("staging", edited("staging", (v) => (v.vault.caCert = makeTestCertificates().caCertPem)));
    const checksum = (r: MockRun) => podOf(r).metadata.annotations[checksumAnnotationKey("config")];
    assert.notEqual(checksum(other), checksum(run));
  });

  it("mounts nothing when no CA is configured", async () => {
    const plain = await stackRun("staging");
    assert.equal(envOf(plain).VAULT_CA_CERT_FILE, undefined);
    assert.ok(!podOf(plain).spec.volumes.some((entry: Any) => entry.configMap !== undefined));
  });

  it("refuses a CA that is not PEM, or one with an http:// address", () => {
    const problem = (edit: (v: Any) => void) => {
      try {
        parseConfig(edited("staging", edit), "staging");
      } catch (error) {
        return error instanceof ConfigError ? error.message : String(error);
      }
      return "accepted";
    };
    assert.match(problem((v) => (v.vault.caCert = "not a certificate")), /vault\.caCert: expected one or more PEM certificates/);
    assert.match(
      problem((v) => Object.assign(v.vault, { caCert: ca, address: "http://vault.vault.svc:8200" })),
      /vault\.caCert: is set but the address is http:\/\//,
    );
  });
});
