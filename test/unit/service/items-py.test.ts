import { strict as assert } from "node:assert";
import * as path from "node:path";
import { evaluatePolicies } from "../../../policy/evaluate";
import { describeObject } from "../../../policy/kubernetes";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";
import { containerArgv, readDockerfile } from "../../systems/support/workload";
import { findObject, objectsOf, stackRun } from "../../support/runs";

type Any = Record<string, any>;

const container = (deployment: Any): Any => deployment.spec.template.spec.containers[0];

describe("items-py (examples/items-py) in the local stack: any image, deployed as its team built it", () => {
  it("renders items-py's container with no command and no args, so the image's own ENTRYPOINT and CMD run", async () => {
    const run = await stackRun("local");
    const py = container(findObject(run, "Deployment", "items-py", "apps"));
    assert.equal(py.image, "ghcr.io/production-blueprint/items-py:0.1.0");
    assert.equal("command" in py, false, JSON.stringify(py.command));
    assert.equal("args" in py, false, JSON.stringify(py.args));
    // The Items API beside it keeps its own command, with the heap flags its runtime profile adds.
    assert.match(container(findObject(run, "Deployment", "items-api", "apps")).command.join(" "), /^node --max-old-space-size=\d+ .* dist\/src\/main\.js$/);
  });

  it("probes /healthz and /readyz and is scraped on /metrics of its http port, the paths app.py serves", async () => {
    const run = await stackRun("local");
    const deployment = findObject(run, "Deployment", "items-py", "apps") as Any;
    const py = container(deployment);
    assert.deepEqual(
      [py.startupProbe.httpGet, py.livenessProbe.httpGet, py.readinessProbe.httpGet],
      [{ path: "/healthz", port: "http" }, { path: "/healthz", port: "http" }, { path: "/readyz", port: "http" }],
    );
    assert.deepEqual(py.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    const annotations = deployment.spec.template.metadata.annotations;
    assert.deepEqual([annotations["prometheus.io/scrape"], annotations["prometheus.io/port"], annotations["prometheus.io/path"]], ["true", "8080", "/metrics"]);
    const env = (findObject(run, "ConfigMap", "items-py-config", "apps") as Any).data;
    assert.equal(env.API_KEY_FILE, "/var/run/secrets/blueprint/api/api-key", "the key's file, never the key");
    assert.ok(py.volumeMounts.some((mount: Any) => mount.mountPath === "/var/run/secrets/blueprint/api" && mount.readOnly), "the key's Secret is mounted where API_KEY_FILE points");
  });

  it("passes the policy pack with the whole local render, as the staging and production renders must", async () => {
    const run = await stackRun("local");
    const objects = objectsOf(run);
    assert.ok(objects.some((object) => object.kind === "Deployment" && object.metadata.name === "items-py"));
    const { violations } = evaluatePolicies(objects, { environment: run.config.environment });
    assert.deepEqual(violations.map((violation) => `${violation.policy}: ${describeObject(violation.object)}: ${violation.message}`), []);
  });

  it("its Dockerfile runs uvicorn as the platform's non-root user with a read-only-friendly image (the test:systems reader)", () => {
    const file = path.join(PROJECT_ROOT, "examples/items-py/Dockerfile");
    const image = readDockerfile(file);
    assert.deepEqual(image.entrypoint, ["/opt/venv/bin/uvicorn", "app:app"]);
    assert.deepEqual(containerArgv({ name: "items-py" }, image), ["/opt/venv/bin/uvicorn", "app:app", ...image.cmd!]);
    assert.equal(image.env.UVICORN_PORT, "8080");
    assert.equal(image.env.PYTHONDONTWRITEBYTECODE, "1");
    assert.equal(image.workdir, "/app");
  });
});

describe("test:systems' image reader: Kubernetes' command and args over the image's ENTRYPOINT and CMD", () => {
  const image = { entrypoint: ["/entry"], cmd: ["--default"], env: {} };
  it("command replaces ENTRYPOINT and drops CMD; args replace CMD; neither: ENTRYPOINT then CMD", () => {
    assert.deepEqual(containerArgv({ name: "c", command: ["run"] }, image), ["run"]);
    assert.deepEqual(containerArgv({ name: "c", command: ["run"], args: ["x"] }, image), ["run", "x"]);
    assert.deepEqual(containerArgv({ name: "c", args: ["x"] }, image), ["/entry", "x"]);
    assert.deepEqual(containerArgv({ name: "c" }, image), ["/entry", "--default"]);
  });

  it("refuses a container whose Dockerfile says nothing to run (the base image's would apply, unknown here)", () => {
    assert.throws(() => containerArgv({ name: "c" }, { env: {} }), /neither the container nor the Dockerfile's final stage says what to run/);
  });
});
