import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { curlUserConfig, fileRolesYaml, usersFile, usersRolesFile } from "../../../components/observability/elasticsearch";
import { APPLY_SCRIPT } from "../../../components/observability/setupJob";
import { containersOf, podSpecOf } from "../../../policy/kubernetes";
import { GeneratedSecrets } from "../../../scripts/lib/mocks";
import { SECRET_PLACEHOLDER } from "../../../scripts/lib/stackFile";
import { findObject, type MockRun, objectsOf, STACKS, stackRun } from "../../support/runs";

type Any = Record<string, any>;
const NS = "observability";

/** The plan's public bodies (ConfigMap) by request, and which requests carry a secret body instead. */
function setupPlan(run: MockRun): { request: string; body: Any | undefined }[] {
  const data = (findObject(run, "ConfigMap", "elasticsearch-setup-plan", NS) as Any).data;
  return (data["plan.tsv"] as string)
    .trim()
    .split("\n")
    .map((line) => {
      const [method, urlPath, file] = line.split("\t");
      return { request: `${method} ${urlPath}`, body: data[file] === undefined ? undefined : JSON.parse(data[file]) };
    });
}

// Every index privilege that writes, deletes or manages: the reader has none of them. (Elastic's list of
// index privileges; `read` and `view_index_metadata` are the only ones the reader should hold.)
const WRITING_INDEX_PRIVILEGES = [
  "all",
  "write",
  "index",
  "create",
  "create_doc",
  "create_index",
  "delete",
  "delete_index",
  "auto_configure",
  "manage",
  "manage_ilm",
  "manage_data_stream_lifecycle",
  "maintenance",
  "manage_follow_index",
  "manage_leader_index",
];

/**
 * Credentials on a command line: curl's user options, an Authorization header typed out, or a secret file
 * expanded into an argument (`$(< file)`, `user:$(...)`). Any process on the node reads another's argv.
 */
const ARGV_CREDENTIAL_PATTERNS: [string, RegExp][] = [
  ["curl --user", /(^|\s)--user(\s|=|$)/],
  ["curl -u", /(^|\s)-u(\s|$|\S)/],
  ["curl --proxy-user / -U", /(^|\s)(--proxy-user|-U)(\s|=|$)/],
  ["an Authorization header", /authorization:/i],
  ["a file expanded into an argument", /\$\(\s*</],
  ["user:$(…)", /:\$\(/],
];

interface ArgvEntry {
  where: string;
  argv: string[];
}

/** Every command, args and exec probe of every container and init container of every rendered pod template. */
function argvEntries(run: MockRun): ArgvEntry[] {
  return objectsOf(run).flatMap((object) => {
    const pod = podSpecOf(object);
    if (!pod) return [];
    return containersOf(pod, "all").flatMap((container: Any) => {
      const where = `${object.kind} ${object.metadata.namespace}/${object.metadata.name} container ${container.name}`;
      const probes = ["readinessProbe", "livenessProbe", "startupProbe"]
        .filter((probe) => container[probe]?.exec)
        .map((probe) => ({ where: `${where} ${probe}`, argv: container[probe].exec.command as string[] }));
      return [{ where: `${where} command+args`, argv: [...(container.command ?? []), ...(container.args ?? [])] }, ...probes];
    });
  });
}

function credentialsOnArgv(entries: ArgvEntry[]): string[] {
  return entries.flatMap(({ where, argv }) =>
    argv.flatMap((element) => ARGV_CREDENTIAL_PATTERNS.filter(([, pattern]) => pattern.test(element)).map(([what]) => `${where}: ${what} in ${JSON.stringify(element)}`)),
  );
}

describe("Elasticsearch least privilege: the credentials-on-argv scan", () => {
  it("flags each form it guards against (the scan itself works)", () => {
    const offending = [
      ["curl", "--user", "elastic:pw", "https://x"],
      ["curl", "-u", "elastic:pw"],
      ["curl", "-uelastic:pw"],
      ["bash", "-c", 'curl --user "elastic:$(< /etc/pw)" https://x'],
      ["curl", "-H", "Authorization: Basic ZWxhc3RpYzpwdw=="],
      ["bash", "-c", "curl -K- <<< user=elastic:$(cat /etc/pw)"],
    ];
    for (const argv of offending) assert.notDeepEqual(credentialsOnArgv([{ where: "test", argv }]), [], JSON.stringify(argv));
    assert.deepEqual(credentialsOnArgv([{ where: "test", argv: ["curl", "--config", "/etc/curlrc", "--fail", "--output", "/dev/null", "https://x"] }]), []);
  });

  for (const stack of STACKS) {
    it(`finds no credential on any container's command, args or exec probe in the ${stack} render`, async () => {
      const entries = argvEntries(await stackRun(stack));
      assert.ok(entries.some((entry) => entry.where.includes("readinessProbe") && entry.where.includes("elasticsearch")), "the scan reached Elasticsearch's readiness probe");
      assert.deepEqual(credentialsOnArgv(entries), []);
    });
  }

  it("finds no credential option in the setup Jobs' script either: it logs in with --config only", () => {
    const curlLines = APPLY_SCRIPT.split("\n").filter((line) => !line.trimStart().startsWith("#"));
    assert.deepEqual(credentialsOnArgv([{ where: "apply-requests.sh", argv: curlLines }]), []);
    assert.match(APPLY_SCRIPT, /--config "\$\{CURL_CONFIG_FILE\}"/);
  });
});

for (const stack of ["staging", "production"] as const) {
  describe(`Elasticsearch least privilege on ${stack}`, () => {
    let run: MockRun;
    before(async () => (run = await stackRun(stack)));

    it("creates the logs-reader role: read and view_index_metadata on the two log families, Discover and Dashboard read in Kibana, no cluster privilege", () => {
      const role = setupPlan(run).find((step) => step.request === "PUT /_security/role/logs-reader")?.body;
      assert.deepEqual(role, {
        cluster: [],
        indices: [{ names: ["app-logs-*", "app-errors-*"], privileges: ["read", "view_index_metadata"] }],
        applications: [{ application: "kibana-.kibana", resources: ["space:default"], privileges: ["feature_discover_v2.read", "feature_dashboard_v2.read"] }],
      });
    });

    it("gives the reader no write, delete or management privilege, no run_as and only read privileges in Kibana", () => {
      const role = setupPlan(run).find((step) => step.request === "PUT /_security/role/logs-reader")?.body as Any;
      const indexPrivileges = role.indices.flatMap((entry: Any) => entry.privileges as string[]);
      assert.deepEqual(indexPrivileges.filter((privilege: string) => WRITING_INDEX_PRIVILEGES.includes(privilege)), []);
      assert.deepEqual(role.cluster, []);
      assert.equal(role.run_as, undefined);
      for (const entry of role.applications) for (const privilege of entry.privileges) assert.match(privilege, /^feature_[a-z_0-9]+\.read$/, privilege);
    });

    it("creates the logs-reader user after its role, its password only in the Secret bodies, and delivers the sign-in in a Secret of its own", () => {
      const plan = setupPlan(run);
      const role = plan.findIndex((step) => step.request === "PUT /_security/role/logs-reader");
      const user = plan.findIndex((step) => step.request === "PUT /_security/user/logs-reader");
      assert.ok(role >= 0 && user === role + 1, "role, then user");
      assert.equal(plan[user].body, undefined, "the user's body (its password) is not in the ConfigMap");
      const secret = findObject(run, "Secret", "logs-reader-credentials", NS) as Any;
      assert.deepEqual(secret.stringData, { username: SECRET_PLACEHOLDER, password: SECRET_PLACEHOLDER });
      // Nothing mounts it: it is for people, who are granted `get` on this one Secret.
      const mounted = objectsOf(run).flatMap((object) => (podSpecOf(object)?.volumes ?? []).filter((volume: Any) => volume.secret?.secretName === "logs-reader-credentials"));
      assert.deepEqual(mounted, []);
    });

    it("keeps elastic for break-glass use: only the node's init container mounts its password (the bootstrap), no probe or Job logs in with it", () => {
      const mountsElastic = objectsOf(run).flatMap((object) => {
        const pod = podSpecOf(object);
        if (!pod) return [];
        const volumes = (pod.volumes ?? []).filter((volume: Any) => volume.secret?.secretName === "elasticsearch-credentials" && (volume.secret.items ?? []).some((item: Any) => item.key === "elastic"));
        return volumes.flatMap((volume: Any) =>
          containersOf(pod, "all")
            .filter((container: Any) => (container.volumeMounts ?? []).some((mount: Any) => mount.name === volume.name))
            .map((container: Any) => `${object.kind}/${object.metadata.name}/${container.name}`),
        );
      });
      assert.deepEqual(mountsElastic, ["StatefulSet/elasticsearch/copy-config"]);
    });

    it("probes readiness as the monitor-only file-realm user through a curl config copied from the file-realm Secret, with no shell", () => {
      const pod = (findObject(run, "StatefulSet", "elasticsearch", NS) as Any).spec.template.spec;
      const command = pod.containers[0].readinessProbe.exec.command as string[];
      assert.deepEqual(command.slice(0, 3), ["curl", "--config", "/etc/blueprint/password/probe.curlrc"]);
      assert.ok(!command.includes("bash"));
      const fileRealm = pod.volumes.find((volume: Any) => volume.secret?.secretName === "elasticsearch-file-realm");
      assert.ok(fileRealm, "the file-realm Secret is a volume");
      assert.ok(pod.initContainers[0].volumeMounts.some((mount: Any) => mount.name === fileRealm.name), "the init container copies from it");
      assert.ok(!pod.containers[0].volumeMounts.some((mount: Any) => mount.name === fileRealm.name), "the node reads only the copies");
      const fileRealmFiles = declaredSecretData(run, "elasticsearch-file-realm");
      assert.deepEqual(parse(fileRealmFiles["roles.yml"])["elasticsearch-probe"], { cluster: ["monitor"] });
      assert.match(fileRealmFiles.users_roles, /^elasticsearch-probe:elasticsearch-probe$/m);
      assert.deepEqual(Object.keys((findObject(run, "Secret", "elasticsearch-file-realm", NS) as Any).stringData).sort(), ["probe.curlrc", "roles.yml", "users", "users_roles"]);
      assert.match(pod.initContainers[0].command[2], / && cp \/mnt\/file-realm\/roles\.yml \/mnt\/file-realm\/users_roles \/mnt\/file-realm\/users \/mnt\/config\/ && chmod 0600 \/mnt\/config\/users && /);
    });

    it("rolls the nodes when the file realm changes, with a keyed checksum that reveals nothing, and leaves the settings ConfigMap (whose replacement would replace the StatefulSet) to elasticsearch.yml", () => {
      const annotations = (findObject(run, "StatefulSet", "elasticsearch", NS) as Any).spec.template.metadata.annotations;
      assert.match(annotations["checksum.blueprint.io/file-realm"], /^[0-9a-f]{64}$/);
      assert.deepEqual(Object.keys((findObject(run, "ConfigMap", "elasticsearch-settings", NS) as Any).data), ["elasticsearch.yml"]);
    });
  });
}

/** A Secret's stringData as the program declared it (the mocks keep the secret values, wrapped). */
function declaredSecretData(run: MockRun, name: string): Record<string, string> {
  const secret = run.resources.find((resource) => resource.type === "kubernetes:core/v1:Secret" && (resource.inputs.metadata as Any)?.name === name);
  const data = secret?.inputs.stringData as Any;
  return data?.value ?? data;
}

/** What the mocked random provider returns for a password's field: the same function the mocks use. */
const mockedPassword = (name: string, field: "result" | "bcryptHash") => new GeneratedSecrets().make("random:index/randomPassword:RandomPassword", name, field);

describe("Elasticsearch's file realm files", () => {
  it("writes each file user's bcryptHash (the random provider's, kept in state) into users, and its password into its curl config", async () => {
    const run = await stackRun("staging");
    // The stand-in plugin's Go test checks that bcryptHash is a $2a$10$ hash that verifies against the password
    // (Elasticsearch's file realm reads no other bcrypt prefix); here, that each user gets its own password's.
    const fileRealm = declaredSecretData(run, "elasticsearch-file-realm");
    assert.equal(
      fileRealm.users,
      `elasticsearch-probe:${mockedPassword("elasticsearch-probe-password", "bcryptHash")}\nelasticsearch-setup:${mockedPassword("elasticsearch-setup-password", "bcryptHash")}\n`,
    );
    assert.equal(fileRealm["probe.curlrc"], curlUserConfig("elasticsearch-probe", mockedPassword("elasticsearch-probe-password", "result")));
    const credentials = declaredSecretData(run, "elasticsearch-credentials");
    assert.equal(credentials["elasticsearch-setup.curlrc"], curlUserConfig("elasticsearch-setup", mockedPassword("elasticsearch-setup-password", "result")));
    assert.equal(credentials["kibana-setup.curlrc"], curlUserConfig("kibana-setup", mockedPassword("elasticsearch-kibana-setup-password", "result")));
    assert.deepEqual(declaredSecretData(run, "logs-reader-credentials"), { username: "logs-reader", password: mockedPassword("elasticsearch-logs-reader-password", "result") });
  });

  it("writes users, users_roles and roles.yml in the file realm's formats, each file user with its own cluster-only role", () => {
    assert.equal(usersFile({ probe: "$2a$10$probe", setup: "$2a$10$setup" }), "elasticsearch-probe:$2a$10$probe\nelasticsearch-setup:$2a$10$setup\n");
    assert.equal(usersRolesFile(), "elasticsearch-probe:elasticsearch-probe\nelasticsearch-setup:elasticsearch-setup\n");
    assert.deepEqual(parse(fileRolesYaml()), {
      "elasticsearch-probe": { cluster: ["monitor"] },
      "elasticsearch-setup": { cluster: ["monitor", "manage_ilm", "manage_index_templates", "manage_security"] },
    });
  });
});

describe("curl config files, read by the real curl", function () {
  before(function () {
    if (spawnSync("sh", ["-c", "command -v curl"]).status !== 0) this.skip();
  });

  /** Runs `curl --config <file> URL` against a server on 127.0.0.1 and returns the Authorization header it sent. */
  async function authorizationSent(config: string): Promise<string | undefined> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "curlrc-"));
    const file = path.join(dir, "curlrc");
    fs.writeFileSync(file, config, { mode: 0o600 });
    let authorization: string | undefined;
    const server = http.createServer((request, response) => {
      authorization = request.headers.authorization;
      response.writeHead(200).end("{}");
    });
    try {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_cluster/health?local=true`;
      const code = await new Promise<number | null>((resolve) => {
        const curl = spawn("curl", ["--config", file, "--silent", "--fail", "--output", "/dev/null", url]);
        curl.on("close", resolve);
      });
      assert.equal(code, 0);
      return authorization;
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("sends the user and password of curlUserConfig as Basic authentication", async () => {
    const sent = await authorizationSent(curlUserConfig("elasticsearch-probe", "Abc123xyz"));
    assert.equal(sent, `Basic ${Buffer.from("elasticsearch-probe:Abc123xyz").toString("base64")}`);
  });

  it("keeps a quote and a backslash in the password intact (escaped in the file)", async () => {
    const sent = await authorizationSent(curlUserConfig("logs-reader", 'p"a\\ss'));
    assert.equal(sent, `Basic ${Buffer.from('logs-reader:p"a\\ss').toString("base64")}`);
  });
});
