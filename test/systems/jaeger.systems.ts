/**
 * Jaeger v2 (cmd/jaeger, built from the Go module proxy) with the staging render's config.yaml and args; the
 * built service, configured by its rendered OTEL_* env, sends traces that the test finds through Jaeger's
 * query API by service and request ID.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findTraces, jaegerArgs, startJaeger } from "./support/jaeger";
import { programs, VERSIONS } from "./support/programs";
import { assertPortsFree, Processes, run } from "./support/processes";
import { stagingRender, type StagingRender } from "./support/render";
import { mountDirs, SERVICE, serviceEnv, writePlaceholderLogin } from "./support/serviceEnv";
import { startService } from "./support/service";

type Any = Record<string, any>;

describe(`Jaeger ${VERSIONS.JAEGER_VERSION} (Go module ${VERSIONS.JAEGER_MODULE_VERSION}) on the staging render`, function () {
  this.timeout(300_000);
  const processes = new Processes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-jaeger-"));
  const file = (name: string) => path.join(dir, name);
  let render: StagingRender;
  let args: string[];

  before(async () => {
    render = await stagingRender();
    args = jaegerArgs(render, dir);
  });
  after(() => processes.stopAll());

  it("reports the version it was built as", () => {
    const result = run(programs.jaeger(), ["version"]);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, new RegExp(`"gitVersion":"${VERSIONS.JAEGER_VERSION}"`));
  });

  it("starts with the rendered config and turns healthy on the rendered health endpoint", async () => {
    await startJaeger(processes, args);
  });

  it("receives the built service's spans over the rendered OTLP endpoint and finds them by service and request ID", async () => {
    const mounts = mountDirs();
    // Vault is not part of this test: placeholder login files satisfy the service's config check.
    writePlaceholderLogin(mounts);
    const env = serviceEnv(render, mounts);
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://127.0.0.1:4318");
    await assertPortsFree([Number(env.APP_PORT)]);
    const service = await startService(processes, env);
    const requestId = `systems-jaeger-${process.pid}`;
    const response = await fetch(`${service.baseUrl}/api/v1/items/`, { headers: { "x-request-id": requestId } });
    assert.equal(response.status, 200);
    const traces = await findTraces(env.OTEL_SERVICE_NAME!, { "request.id": requestId });
    assert.equal(traces.length, 1);
    const spans: Any[] = traces[0].spans;
    const processOf = (span: Any) => traces[0].processes[span.processID];
    assert.ok(spans.some((span) => span.tags.some((tag: Any) => tag.key === "request.id" && tag.value === requestId)));
    assert.equal(processOf(spans[0]).serviceName, SERVICE);
    assert.ok(spans.some((span) => /GET/.test(span.operationName)), spans.map((span) => span.operationName).join(", "));
  });

  it("refuses a config broken on purpose, with Jaeger's message", () => {
    const broken = fs.readFileSync(file("config.yaml"), "utf8").replace("check_interval: 1s", "check_interval: soon");
    fs.writeFileSync(file("broken.yaml"), broken);
    const result = run(programs.jaeger(), [`--config=${file("broken.yaml")}`], { timeoutMs: 60_000 });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /'processors' error reading configuration for "memory_limiter".*'check_interval' time: invalid duration/s);
  });
});
