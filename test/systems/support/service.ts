/**
 * Runs the built service (app/dist) as its container does, with the env of its rendered ConfigMap after the
 * loopback rewrite. The one addition is APP_HOST=127.0.0.1: in the pod the service listens on its default
 * 0.0.0.0, which here would open it beyond loopback.
 */
import { builtService } from "./programs";
import { type Processes, type Running, waitFor } from "./processes";

type LogLine = Record<string, unknown>;

export interface ServiceUnderTest {
  running: Running;
  baseUrl: string;
  lines(): LogLine[];
  /** The nth (default first) log line with this event, waiting for it (bounded). */
  waitForEvent(event: string, options?: { nth?: number; attempts?: number }): Promise<LogLine>;
}

export async function startService(processes: Processes, env: Record<string, string>, name = "items-api"): Promise<ServiceUnderTest> {
  const running = processes.start(name, process.execPath, [builtService()], { env: { PATH: process.env.PATH ?? "", ...env, APP_HOST: "127.0.0.1" } });
  const lines = () =>
    running
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  const waitForEvent = (event: string, options: { nth?: number; attempts?: number } = {}) =>
    waitFor(`the service's "${event}" log line #${options.nth ?? 1}`, () => lines().filter((line) => line.event === event)[(options.nth ?? 1) - 1], {
      running,
      attempts: options.attempts ?? 60,
    });
  await waitForEvent("application_started");
  return { running, baseUrl: `http://127.0.0.1:${env.APP_PORT}`, lines, waitForEvent };
}
