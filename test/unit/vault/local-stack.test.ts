import * as assert from "node:assert/strict";
import * as path from "node:path";
import { SECRET_PLACEHOLDER } from "../../../scripts/lib/stackFile";
import { findObject, stackRun, type MockRun } from "../../support/runs";

type Any = Record<string, any>;

const SERVICE = "items-api";

describe("local stack: Vault off, a generated API key instead", () => {
  let run: MockRun;
  before(async () => (run = await stackRun("local")));

  it("declares no Vault provider, mount, role, policy, secret_id or AppRole component", () => {
    const vaultish = run.resources.filter((resource) => /^(vault:|pulumi:providers:vault$|blueprint:vault:)/.test(resource.type));
    assert.deepEqual(vaultish.map((resource) => `${resource.type} ${resource.name}`), []);
  });

  it("tells the service Vault is off and where its API key file is, and nothing about Vault", () => {
    const env = (findObject(run, "ConfigMap", `${SERVICE}-config`, "apps") as Any).data;
    assert.equal(env.VAULT_ENABLED, "false");
    assert.equal(env.API_KEY_FILE, "/var/run/secrets/blueprint/api/api-key");
    assert.deepEqual(Object.keys(env).filter((key) => key.startsWith("VAULT_") && key !== "VAULT_ENABLED"), []);
  });

  it("generates the API key from 32 random bytes into a Secret whose value is a Pulumi secret", () => {
    const generator = run.resources.find((resource) => resource.type === "random:index/randomBytes:RandomBytes" && resource.name === `${SERVICE}-api-key`);
    assert.equal(generator?.inputs.length, 32);
    const secret = findObject(run, "Secret", `${SERVICE}-api-key`, "apps") as Any;
    assert.deepEqual(secret.stringData, { "api-key": SECRET_PLACEHOLDER });
  });

  it("mounts the key read-only as the file API_KEY_FILE names", () => {
    const pod = (findObject(run, "Deployment", SERVICE, "apps") as Any).spec.template.spec;
    const volume = pod.volumes.find((entry: Any) => entry.secret?.secretName === `${SERVICE}-api-key`);
    const mount = pod.containers[0].volumeMounts.find((entry: Any) => entry.name === volume.name);
    assert.equal(mount.readOnly, true);
    assert.equal(volume.secret.defaultMode, 0o440);
    const env = (findObject(run, "ConfigMap", `${SERVICE}-config`, "apps") as Any).data;
    assert.deepEqual(volume.secret.items.map((item: Any) => path.posix.join(mount.mountPath, item.path)), [env.API_KEY_FILE]);
  });
});
