import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { curlUserConfig, elasticsearchSetupRequests } from "../../../components/observability/elasticsearch";
import { APPLY_SCRIPT, planFiles } from "../../../components/observability/setupJob";

interface Received {
  method: string;
  url: string;
  body: string;
  authorization: string;
  /** Whether any process on the host running the test showed the setup password in its argv while the request was served. */
  passwordOnArgv: boolean;
}

const SETUP_USER = "elasticsearch-setup";
// Long and unlikely, so finding it in a command line means it was put there.
const SETUP_PASSWORD = "setup-pw-7f3a9c1e5b";

/**
 * Every process's argv (/proc/PID/cmdline), what `ps` shows to any user of the node. curl blanks a `--user`
 * value in its own argv once it has parsed it, so this sees only what stays there (a literal in a shell's
 * argv, say); the scan of the script in elasticsearch-privileges.test.ts is what refuses `--user` outright.
 */
function commandLines(): string[] {
  return fs.readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      return [fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ")];
    } catch {
      return []; // the process ended meanwhile
    }
  });
}

/** A stand-in API that records every call; it answers the ready path with 503 until `readyAfter` polls. */
async function fakeApi(answer: (request: Received) => number, readyAfter = 0) {
  const received: Received[] = [];
  let polls = 0;
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      // curl is still running while its request is served: its argv is there to read.
      const passwordOnArgv = commandLines().some((line) => line.includes(SETUP_PASSWORD));
      const entry = { method: request.method ?? "", url: request.url ?? "", body, authorization: request.headers.authorization ?? "", passwordOnArgv };
      if (entry.url === "/ready") {
        polls += 1;
        response.writeHead(polls > readyAfter ? 200 : 503).end("{}");
        return;
      }
      received.push(entry);
      const status = answer(entry);
      response.writeHead(status).end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close(), polls: () => polls };
}

function writePlan(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "setup-plan-"));
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content);
  fs.writeFileSync(path.join(dir, "ca.crt"), "");
  // The mounted Secret file the Job logs in with: a curl config, as the program writes it.
  fs.writeFileSync(path.join(dir, "curlrc"), curlUserConfig(SETUP_USER, SETUP_PASSWORD));
  return dir;
}

function runScript(dir: string, baseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", APPLY_SCRIPT], {
      // `sleep` is stubbed so the readiness loop does not wait real seconds.
      env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, BASE_URL: baseUrl, READY_PATH: "/ready", CA_FILE: path.join(dir, "ca.crt"), REQUESTS_DIR: dir, CURL_CONFIG_FILE: path.join(dir, "curlrc") },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The Elasticsearch plan with stand-in passwords, written out as the Job's projected volume would hold it. */
async function elasticsearchPlanDir(): Promise<string> {
  const pulumi = await import("@pulumi/pulumi");
  const files = planFiles(
    elasticsearchSetupRequests({ deleteAfterDays: 7, nodes: 1, writerPassword: pulumi.output("writer-pw"), kibanaSystemPassword: pulumi.output("kibana-pw"), kibanaSetupPassword: pulumi.output("kibana-setup-pw"), readerPassword: pulumi.output("reader-pw") }),
  );
  const secretBodies = Object.fromEntries(
    await Promise.all(Object.entries(files.secretBodies).map(async ([file, body]) => [file, await new Promise<string>((resolve) => body.apply(resolve))])),
  );
  const dir = writePlan({ "plan.tsv": files.plan, ...files.publicBodies, ...secretBodies });
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin", "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  return dir;
}

describe("the setup Job's request script (apply-requests.sh) against a stand-in API", function () {
  before(function () {
    // The Job's image has curl; a machine without it cannot run the script at all.
    if (spawnSync("sh", ["-c", "command -v curl"]).status !== 0) this.skip();
  });

  it("waits for the ready path, then sends every planned request in order with its body and basic auth from the curl config, never on argv", async () => {
    const api = await fakeApi(() => 200, 2);
    try {
      const dir = await elasticsearchPlanDir();
      const result = await runScript(dir, api.url);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(api.polls(), 3);
      const planned = fs
        .readFileSync(path.join(dir, "plan.tsv"), "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split("\t").slice(0, 2).join(" "));
      assert.equal(planned.length, 10);
      assert.deepEqual(
        api.received.map((request) => `${request.method} ${request.url}`),
        planned,
      );
      assert.deepEqual(JSON.parse(api.received[4].body), { password: "writer-pw", roles: ["vector-writer"], full_name: "Vector aggregator (log writer)" });
      assert.deepEqual(JSON.parse(api.received[5].body), { password: "kibana-pw" });
      assert.equal(JSON.parse(api.received[0].body).policy.phases.delete.min_age, "7d");
      assert.deepEqual(JSON.parse(api.received[9].body), { password: "reader-pw", roles: ["logs-reader"], full_name: "Log reader (people: Kibana and search, read only)" });
      assert.ok(api.received.every((request) => request.authorization === `Basic ${Buffer.from(`${SETUP_USER}:${SETUP_PASSWORD}`).toString("base64")}`));
      assert.ok(api.received.every((request) => !request.passwordOnArgv), "the password was in a process's argv while curl ran");
    } finally {
      api.close();
    }
  });

  it("sends the identical requests on a second run, so the upserts leave the same state", async () => {
    const api = await fakeApi(() => 200);
    try {
      const dir = await elasticsearchPlanDir();
      assert.equal((await runScript(dir, api.url)).code, 0);
      const first = api.received.splice(0);
      assert.equal((await runScript(dir, api.url)).code, 0);
      assert.deepEqual(api.received, first);
    } finally {
      api.close();
    }
  });

  it("stops at the first non-2xx answer and names the request and the status", async () => {
    const api = await fakeApi((request) => (request.url.startsWith("/_index_template/app-logs") ? 400 : 200));
    try {
      const result = await runScript(await elasticsearchPlanDir(), api.url);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /PUT \/_index_template\/app-logs: HTTP 400/);
      assert.equal(api.received.length, 2, "nothing after the failed request is sent");
    } finally {
      api.close();
    }
  });
});
