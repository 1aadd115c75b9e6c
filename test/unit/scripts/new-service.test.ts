import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig } from "../../../components/stackConfig";
import { SYSTEM_NAMESPACES } from "../../../components/reservedNamespaces";
import { serviceSchema } from "../../../components/configSchema";
import { addService, SERVICES_PATH } from "../../../scripts/lib/newService";
import { insertMapEntry, readPath } from "../../../scripts/lib/stackConfigFile";
import { loadStackFile, PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { STACKS } from "../../support/runs";

const COMMENT = "      # keep: a comment inside the first service must survive";

function copyStackFiles(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "new-service-"));
  for (const stack of STACKS) {
    const source = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
    // A comment in the middle of the services map, to prove the edit does not reflow what it does not own.
    const withComment = source.replace(/^( {6}image:\n)/m, `${COMMENT}\n$1`);
    assert.notEqual(withComment, source, `Pulumi.${stack}.yaml: could not place the test comment`);
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), withComment);
  }
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((file) => [file, fs.readFileSync(path.join(dir, file), "utf8")]));
}

/** The lines `after` has beyond `before`, checked to form one contiguous block with everything else equal. */
function insertedBlock(before: string, after: string): string[] {
  const old = before.split("\n");
  const now = after.split("\n");
  let start = 0;
  while (start < old.length && old[start] === now[start]) start++;
  const added = now.length - old.length;
  assert.deepEqual([...now.slice(0, start), ...now.slice(start + added)], old, "lines outside the new entry changed");
  return now.slice(start, start + added);
}

describe("npm run new-service", () => {
  let dir: string;
  beforeEach(() => {
    dir = copyStackFiles();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("adds one entry to every stack file and leaves every other byte, comments included, as it was", () => {
    const before = snapshot(dir);
    const { written, unchanged } = addService(dir, { name: "orders", readinessPath: "/ready", port: 8080 });
    assert.deepEqual(unchanged, []);
    assert.deepEqual(written.sort(), STACKS.map((stack) => `Pulumi.${stack}.yaml`).sort());
    for (const [file, source] of Object.entries(before)) {
      const updated = fs.readFileSync(path.join(dir, file), "utf8");
      const block = insertedBlock(source, updated);
      assert.equal(block[0], "    orders:", `${file}: the block is not the new entry`);
      assert.ok(block.slice(1).every((line) => line.startsWith("      ")), `${file}: the block holds more than the entry`);
      assert.ok(updated.includes(COMMENT), `${file}: the comment inside the services map was lost`);
    }
  });

  it("writes entries the real config parser accepts, sized like each stack's first service", () => {
    addService(dir, { name: "orders", readinessPath: "/ready", port: 8080, image: "registry.example.com/team/orders:1.4.2" });
    for (const stack of STACKS) {
      const config = parseConfig(loadStackFile(stack, dir), stack);
      const [first, added] = [Object.values(config.services)[0], config.services.orders];
      assert.deepEqual(added.image, { build: false, ref: "registry.example.com/team/orders:1.4.2" });
      assert.equal(added.port, 8080);
      assert.deepEqual(added.replicas, first.replicas, `${stack}: HPA bounds not copied`);
      assert.deepEqual(added.resources, first.resources, `${stack}: resources not copied`);
      assert.equal(added.namespace, undefined, `${stack}: a new service shares the apps namespace unless asked`);
      assert.equal(added.ingress, undefined, `${stack}: a new service is not exposed unless its ingress is configured`);
      // Nothing of the Items API's: the image's own entrypoint, its own readiness path, no runtime flags or conventions.
      assert.equal(added.command, undefined, `${stack}: a command was set`);
      assert.equal(added.runtime, "none");
      assert.equal(added.conventions, "none");
      assert.deepEqual(added.probes, { readiness: { path: "/ready", port: "http" } });
      assert.equal(added.docs, undefined);
    }
  });

  it("needs a readiness path for an image that does not follow the platform's conventions, and writes nothing without one", () => {
    const before = snapshot(dir);
    assert.throws(() => addService(dir, { name: "orders", port: 8080 }), /no --readiness-path given: name the path that answers 2xx when the service can take traffic/);
    assert.deepEqual(snapshot(dir), before);
  });

  it("derives the image from the first service's registry and puts the service in its own namespace when asked", () => {
    addService(dir, { name: "billing", readinessPath: "/ready", namespace: "billing" });
    const entry = serviceSchema.parse(readPath(fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8"), [...SERVICES_PATH, "billing"]));
    assert.deepEqual(entry.image, { build: false, ref: "ghcr.io/production-blueprint/billing:0.1.0" });
    assert.equal(entry.namespace, "billing");
    assert.equal(entry.port, 8000);
  });

  for (const bad of ["Orders", "-orders", "orders_v2", "orders.v2", "o".repeat(64), ""]) {
    const shown = bad === "" ? "an empty name" : `the name '${bad.length > 20 ? `${bad.slice(0, 8)}…(${bad.length} chars)` : bad}' as not a DNS label`;
    it(`refuses ${shown} and writes nothing`, () => {
      const before = snapshot(dir);
      assert.throws(() => addService(dir, { name: bad }), bad ? /is not a valid service name: expected a DNS label/ : /a service name is required/);
      assert.deepEqual(snapshot(dir), before);
    });
  }

  it("refuses a name that already exists, naming the files that hold it, and writes nothing", () => {
    const before = snapshot(dir);
    assert.throws(
      () => addService(dir, { name: "items-api" }),
      /service 'items-api' already exists in Pulumi\.local\.yaml, Pulumi\.production\.yaml, Pulumi\.staging\.yaml; pick another name/,
    );
    assert.deepEqual(snapshot(dir), before);
  });

  it("refuses a port or image the schema rejects, naming the key and the file, and writes no file at all", () => {
    const before = snapshot(dir);
    assert.throws(() => addService(dir, { name: "orders", readinessPath: "/ready", port: 80 }), /Pulumi\.local\.yaml is invalid:\n {2}- production-blueprint:services\.orders\.port: /);
    assert.throws(() => addService(dir, { name: "orders", readinessPath: "/ready", image: "ghcr.io/x/orders:latest" }), /services\.orders\.image\.ref: the tag 'latest' is not allowed/);
    assert.deepEqual(snapshot(dir), before);
  });

  it("creates the services map with reference sizing in a stack file that has none, and needs --image there", () => {
    const file = path.join(dir, "Pulumi.sandbox.yaml");
    const source = "# sandbox: no services yet\nconfig:\n  production-blueprint:environment: staging # sandbox is staging-shaped\n";
    fs.writeFileSync(file, source);
    assert.throws(() => addService(dir, { name: "orders", readinessPath: "/ready" }), /no --image given, and no existing service to derive a registry from/);
    fs.writeFileSync(file, source);
    fs.rmSync(path.join(dir, "Pulumi.local.yaml"));
    fs.rmSync(path.join(dir, "Pulumi.staging.yaml"));
    fs.rmSync(path.join(dir, "Pulumi.production.yaml"));
    addService(dir, { name: "orders", readinessPath: "/ready", image: "ghcr.io/x/orders:1.0.0" });
    const updated = fs.readFileSync(file, "utf8");
    assert.ok(updated.startsWith(source), "the existing lines changed");
    const entry = serviceSchema.parse(readPath(updated, [...SERVICES_PATH, "orders"]));
    assert.deepEqual(entry.replicas, { min: 2, max: 10 });
    assert.equal(entry.resources.limits.memory, "256Mi");
  });

  it("--stack fills in only the stacks named, and leaves every other stack file byte for byte", () => {
    const before = snapshot(dir);
    const { written, unchanged } = addService(dir, { name: "orders", readinessPath: "/ready", stacks: ["staging"] });
    assert.deepEqual({ written, unchanged }, { written: ["Pulumi.staging.yaml"], unchanged: [] });
    const after = snapshot(dir);
    for (const file of Object.keys(before).filter((file) => file !== "Pulumi.staging.yaml")) assert.equal(after[file], before[file], `${file} changed`);
    assert.notEqual(readPath(after["Pulumi.staging.yaml"], [...SERVICES_PATH, "orders"]), undefined);
  });

  it("adds the service only where it is missing, reports the stacks that already have it, and leaves them untouched", () => {
    addService(dir, { name: "orders", readinessPath: "/ready", stacks: ["staging"] });
    const staging = fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    const { written, unchanged } = addService(dir, { name: "orders", readinessPath: "/ready" });
    assert.deepEqual({ written: written.sort(), unchanged }, { written: ["Pulumi.local.yaml", "Pulumi.production.yaml"], unchanged: ["Pulumi.staging.yaml"] });
    assert.equal(fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8"), staging);
    assert.throws(() => addService(dir, { name: "orders", readinessPath: "/ready", stacks: ["staging", "production"] }), /service 'orders' already exists in Pulumi\.staging\.yaml, Pulumi\.production\.yaml; pick another name/);
  });

  it("refuses a --stack without a stack file, naming the known stacks, and writes nothing", () => {
    const before = snapshot(dir);
    assert.throws(() => addService(dir, { name: "orders", readinessPath: "/ready", stacks: ["staging", "qa"] }), /--stack qa: no such stack file \(known stacks: local, production, staging\)/);
    assert.deepEqual(snapshot(dir), before);
  });

  const platformNamespaces = (stack: string) => {
    const config = parseConfig(loadStackFile(stack, dir), stack);
    return [config.namespaces.observability, config.namespaces.logAgent, config.ingressController.namespace];
  };

  it("refuses a reserved --namespace (Kubernetes' own, or one the target stack's platform uses), naming the service and the option, and writes nothing", () => {
    const before = snapshot(dir);
    for (const namespace of [...SYSTEM_NAMESPACES, ...platformNamespaces("staging")]) {
      assert.throws(
        () => addService(dir, { name: "orders", readinessPath: "/ready", namespace, stacks: ["staging"] }),
        (error: Error) => error.message.startsWith(`service 'orders': --namespace '${namespace}' is `) && error.message.endsWith("(Pulumi.staging.yaml)"),
        namespace,
      );
    }
    assert.deepEqual(snapshot(dir), before);
  });

  it("checks --namespace against each target stack's own config", () => {
    const file = path.join(dir, "Pulumi.staging.yaml");
    const [observability] = platformNamespaces("staging");
    fs.writeFileSync(file, insertMapEntry(fs.readFileSync(file, "utf8"), ["config"], "production-blueprint:namespaces", { observability: "monitoring" }));
    assert.deepEqual(platformNamespaces("staging")[0], "monitoring", "the test could not move staging's observability namespace");
    assert.throws(() => addService(dir, { name: "orders", readinessPath: "/ready", namespace: "monitoring", stacks: ["staging"] }), /--namespace 'monitoring' is the platform's observability namespace/);
    assert.deepEqual(addService(dir, { name: "orders", readinessPath: "/ready", namespace: observability, stacks: ["staging"] }).written, ["Pulumi.staging.yaml"]);
  });
});
