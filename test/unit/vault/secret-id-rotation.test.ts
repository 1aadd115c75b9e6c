import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_ID_REPLACE_ON_CHANGES } from "../../../components/vault/appRole";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { findObject, runWith, type MockRun } from "../../support/runs";
import { appRoleStack } from "../../support/stackEdits";
import { checksumAnnotationKey } from "../../../components/k8s/objectMeta";

type Any = Record<string, any>;

/** What the engine would receive for one resource, read off the RegisterResource request. */
interface Registration {
  type: string;
  name: string;
  replaceOnChanges: string[];
  replacementTrigger: unknown;
  deleteBeforeReplace: boolean;
  additionalSecretOutputs: string[];
  dependencies: string[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getReplaceonchangesList(): string[];
  getReplacementTrigger(): { toJavaScript(): unknown } | undefined;
  getDeletebeforereplace(): boolean;
  getAdditionalsecretoutputsList(): string[];
  getDependenciesList(): string[];
}

const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): { registerResource(request: RegisterRequest, callback: unknown): unknown };
};

/**
 * Runs the program and records the resource options every registration carries. Mocks never see options
 * (replaceOnChanges, dependencies…), so the monitor is wrapped right after the harness installs it.
 */
async function runRecordingOptions(rotation: string): Promise<{ run: MockRun; registrations: Registration[] }> {
  const runtime = pulumi.runtime as { setMocks: typeof pulumi.runtime.setMocks };
  const installMocks = runtime.setMocks;
  const registrations: Registration[] = [];
  runtime.setMocks = (...args) => {
    const installed = installMocks(...args);
    const monitor = settings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
      registrations.push({
        type: request.getType(),
        name: request.getName(),
        replaceOnChanges: request.getReplaceonchangesList(),
        replacementTrigger: request.getReplacementTrigger()?.toJavaScript(),
        deleteBeforeReplace: request.getDeletebeforereplace(),
        additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
        dependencies: request.getDependenciesList(),
      });
      return register(request, callback);
    };
    return installed;
  };
  try {
    return { run: await runWith("staging", appRoleStack("staging", (values) => (values.vault.secretId.rotation = rotation))), registrations };
  } finally {
    runtime.setMocks = installMocks;
  }
}

const SECRET_ID = { type: "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId", name: "items-api-secret-id" };

function registrationOf(registrations: Registration[], type: string, name: string): Registration {
  const found = registrations.filter((entry) => entry.type === type && entry.name === name);
  assert.equal(found.length, 1, `expected one registration of ${type} ${name}`);
  return found[0];
}

function declaredOf(run: MockRun, type: string, name: string): DeclaredResource {
  const found = run.resources.filter((resource) => resource.type === type && resource.name === name);
  assert.equal(found.length, 1, `expected one ${type} ${name}`);
  return found[0];
}

function changedKeys(before: Any, after: Any): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

describe("secret_id rotation: changing vault.secretId.rotation on staging", () => {
  let current: { run: MockRun; registrations: Registration[] };
  let rotated: { run: MockRun; registrations: Registration[] };
  before(async () => {
    current = await runRecordingOptions("2026-W47");
    rotated = await runRecordingOptions("2026-W48");
  });

  it("changes only the secret_id's metadata, an input whose change replaces the secret_id", () => {
    const old = declaredOf(current.run, SECRET_ID.type, SECRET_ID.name).inputs;
    const reissued = declaredOf(rotated.run, SECRET_ID.type, SECRET_ID.name).inputs;
    assert.deepEqual(changedKeys(old, reissued), ["metadata"]);
    assert.deepEqual(JSON.parse(old.metadata as string), { rotation: "2026-W47", service: "items-api" });
    assert.deepEqual(JSON.parse(reissued.metadata as string), { rotation: "2026-W48", service: "items-api" });
    assert.ok(SECRET_ID_REPLACE_ON_CHANGES.includes("metadata"));
  });

  it("registers the secret_id with replaceOnChanges on metadata, the rotation key as replacementTrigger, create-before-delete", () => {
    for (const [{ registrations }, rotation] of [
      [current, "2026-W47"],
      [rotated, "2026-W48"],
    ] as const) {
      const secretId = registrationOf(registrations, SECRET_ID.type, SECRET_ID.name);
      assert.ok(secretId.replaceOnChanges.includes("metadata"), `replaceOnChanges: ${secretId.replaceOnChanges.join(",")}`);
      assert.equal(secretId.replacementTrigger, rotation);
      assert.equal(secretId.deleteBeforeReplace, false);
    }
  });

  it("re-issues nothing else in Vault: role, policy, KV secret, mounts and generated keys keep their inputs", () => {
    const unchanged = current.run.resources.filter((resource) => /^(vault|random):/.test(resource.type) && resource.name !== SECRET_ID.name);
    assert.ok(unchanged.length >= 6, `expected the role, policy, KV secret, mounts and keys, got ${unchanged.length}`);
    for (const resource of unchanged) {
      assert.deepEqual(declaredOf(rotated.run, resource.type, resource.name).inputs, resource.inputs, `${resource.type} ${resource.name}`);
    }
  });

  it("rolls the pods: the rotation key is in the ConfigMap, so the pod template's config checksum changes", () => {
    const checksum = (run: MockRun) => (findObject(run, "Deployment", "items-api", "apps") as Any).spec.template.metadata.annotations[checksumAnnotationKey("config")];
    assert.notEqual(checksum(current.run), checksum(rotated.run));
    assert.equal((findObject(rotated.run, "ConfigMap", "items-api-config", "apps") as Any).data.VAULT_SECRET_ID_ROTATION, "2026-W48");
    assert.equal((findObject(rotated.run, "Secret", "items-api-vault-approle", "apps") as Any).metadata.annotations["blueprint.io/secret-id-rotation"], "2026-W48");
  });

  it("updates the Deployment only after the credentials Secret, so new pods mount the new secret_id", () => {
    const deployment = registrationOf(rotated.registrations, "kubernetes:apps/v1:Deployment", "items-api-deployment");
    assert.ok(
      deployment.dependencies.some((urn) => urn.includes("kubernetes:core/v1:Secret::items-api-approle-credentials")),
      `Deployment dependencies: ${deployment.dependencies.join(", ")}`,
    );
  });

  it("asks the engine to keep role_id and secret_id secret in state", () => {
    const role = registrationOf(rotated.registrations, "vault:appRole/authBackendRole:AuthBackendRole", "items-api-role");
    const secretId = registrationOf(rotated.registrations, SECRET_ID.type, SECRET_ID.name);
    assert.ok(role.additionalSecretOutputs.includes("roleId"));
    assert.ok(secretId.additionalSecretOutputs.includes("secretId"));
  });
});
