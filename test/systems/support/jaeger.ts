/**
 * Jaeger as the staging render runs it (its config.yaml and args after the loopback rewrite), and its query
 * API: the one way the systems tests start Jaeger and look a request's trace up.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { toLoopback } from "./loopback";
import { programs } from "./programs";
import { assertPortsFree, httpJson, type Processes, type Running, waitFor } from "./processes";
import type { StagingRender } from "./render";

type Any = Record<string, any>;

/** The rendered config's listeners: OTLP gRPC and HTTP, the health check, the query service. */
const PORTS = { otlpGrpc: 4317, otlpHttp: 4318, health: 13133, query: 16686 } as const;
const QUERY_URL = `http://127.0.0.1:${PORTS.query}`;

/** The rendered args, reading the rendered config.yaml written (listening on loopback) into `dir`. */
export function jaegerArgs(render: StagingRender, dir: string): string[] {
  const config = path.join(dir, "config.yaml");
  fs.writeFileSync(config, toLoopback(render.configMapData("observability", "jaeger-config", "config.yaml"), { hosts: ["0.0.0.0"] }));
  const container = render.object("Deployment", "observability", "jaeger").spec.template.spec.containers[0];
  return toLoopback((container.args as string[]).join("\n"), { paths: { "/etc/jaeger/config.yaml": config } }).split("\n");
}

/** Starts Jaeger with the rendered args and waits until its health check (healthcheckv2 /status) says healthy. */
export async function startJaeger(processes: Processes, args: string[]): Promise<Running> {
  await assertPortsFree(Object.values(PORTS));
  const jaeger = processes.start("jaeger", programs.jaeger(), args);
  await waitFor("Jaeger's healthcheckv2 /status", async () => ((await fetch(`http://127.0.0.1:${PORTS.health}/status`)).ok ? true : undefined), { running: jaeger });
  return jaeger;
}

/**
 * The traces of a service that carry these span tags, from Jaeger's query API, waiting (bounded) for the
 * first: the service exports spans in batches.
 */
export function findTraces(service: string, tags: Record<string, string>, running?: Running): Promise<Any[]> {
  const query = `service=${encodeURIComponent(service)}&tags=${encodeURIComponent(JSON.stringify(tags))}&lookback=1h`;
  return waitFor(
    `a trace of ${service} with ${JSON.stringify(tags)} in Jaeger's query API`,
    async () => {
      const found = await httpJson<Any>(`${QUERY_URL}/api/traces?${query}`);
      return found.data.length > 0 ? (found.data as Any[]) : undefined;
    },
    { attempts: 60, intervalMs: 1000, running },
  );
}
