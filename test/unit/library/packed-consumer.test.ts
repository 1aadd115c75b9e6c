import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import type { PlatformStackOutputs } from "../../../components/index";
import type { RunnerInput, RunnerResult, RunnerScenario } from "./fixtures/consumer-runner";
import { COMPONENTS, CONSUMER, filesUnder, PACKAGE_NAME, readJson, ROOT } from "./fixtures/libraryPackage";

// The library as another repository gets it: `npm pack` of components/ (its prepack builds dist/), that
// tarball installed into a copy of examples/consumer outside this repository, the copy typechecked with its
// own tsconfig and its program run under mocks with its own @pulumi/pulumi. Slow (a pack, an install and a
// tsc run: about 40 s on a busy two-core machine), so .mocharc.json leaves it out of `npx mocha`; `npm run test:library` runs it.

const PROJECT = "blueprint-consumer";
const PLATFORM_STACK = "organization/production-blueprint/production";
const DEPLOYER_VAULT = "https://vault.deployer.example:8200";

// The platform stack's outputs as the mocked StackReference hands them over; typed by the library's own
// PlatformStackOutputs, so a change to the contract fails the typecheck here.
const PLATFORM: PlatformStackOutputs = {
  environment: "production",
  namespaces: { apps: "apps", observability: "observability", logAgent: "log-agent" },
  collectorEndpoint: "http://jaeger-collector.observability.svc.cluster.local:4318",
  vault: {
    enabled: true,
    address: "https://vault.vault.svc.cluster.local:8200",
    kvMount: "secret",
    approleMount: "approle",
    kubernetesMount: "kubernetes",
    kubernetesReviewer: "vault",
  },
  services: {},
};

/**
 * The environment for npm, tsc and the program: none of the npm_* settings an `npm run` exports (they would
 * carry this repository's prefix into the copy's install), no NODE_PATH or NODE_OPTIONS, and no directory of
 * this repository on PATH but the one of the node running the tests, so nothing resolves to the repo's tools.
 */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || ["NODE_PATH", "NODE_OPTIONS", "INIT_CWD"].includes(key)) continue;
    env[key] = value;
  }
  const outside = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => dir && !path.resolve(dir).startsWith(ROOT + path.sep));
  env.PATH = [path.dirname(process.execPath), ...outside].join(path.delimiter);
  return env;
}

/** Runs a command to completion; a failure names the command and ends with what it printed. */
function run(command: string, args: string[], cwd: string, hint = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: isolatedEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const output = `${stdout}\n${stderr}`.trim().split("\n").slice(-40).join("\n");
      reject(new Error(`${[command, ...args].join(" ")} (in ${cwd}) failed: ${error.message.split("\n")[0]}${hint ? `\n${hint}` : ""}\n${output}`));
    });
  });
}

/** The packages a built package loads or names in its declarations, each with the first file that does. */
function importedPackages(packageDir: string): Map<string, string> {
  const builtins = new Set(builtinModules);
  const imported = new Map<string, string>();
  for (const file of filesUnder(packageDir).filter((name) => /\.(js|d\.ts)$/.test(name) && !name.startsWith("node_modules"))) {
    // TypeScript's own scanner: imports, require() calls and import() types, not words in comments.
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(packageDir, file), "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith(".") || specifier.startsWith("node:") || builtins.has(specifier)) continue;
      const name = specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
      if (!imported.has(name)) imported.set(name, file);
    }
  }
  return imported;
}

describe("the components as a package: packed, installed into a copy of examples/consumer, run", function () {
  // A pack (tsc), an npm install and a tsc run: minutes on a busy two-core machine, not seconds.
  this.timeout(600_000);
  let work: string;
  let project: string;
  let installed: string;

  before(async () => {
    // Outside the repository, so nothing in the copy can resolve to the repository's node_modules.
    work = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "blueprint-library-"));
    for (let dir = path.dirname(work); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      assert.ok(!fs.existsSync(path.join(dir, "node_modules")), `${dir}/node_modules would be visible to the consumer's install; use a TMPDIR without one above it`);
    }
    // `npm pack` runs the package's prepack, which builds components/dist afresh.
    await run("npm", ["pack", "--pack-destination", work, "--no-fund", "--no-audit"], COMPONENTS);
    const tarballs = fs.readdirSync(work).filter((name) => name.endsWith(".tgz"));
    assert.equal(tarballs.length, 1, `npm pack wrote ${tarballs.join(", ") || "nothing"}`);

    project = path.join(work, "consumer");
    fs.cpSync(CONSUMER, project, { recursive: true, filter: (source) => !/[/\\](node_modules|\.build)$/.test(source) });
    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", path.join(work, tarballs[0])],
      project,
      "Is examples/consumer/package-lock.json in step with components/package.json? (docs/library.md: regenerating it)",
    );
    installed = path.join(project, "node_modules", PACKAGE_NAME);
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("declares every package it imports: the @pulumi SDKs as peers, the rest as dependencies, and nothing else", () => {
    const manifest = readJson(path.join(installed, "package.json"));
    const imported = importedPackages(installed);
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    const missing = [...imported].filter(([name]) => !declared.has(name)).map(([name, file]) => `${name} (by ${file})`);
    assert.deepEqual(missing, [], `components/package.json lists in neither dependencies nor peerDependencies what the package imports: ${missing.join(", ")}`);
    const pulumi = [...imported.keys()].filter((name) => name.startsWith("@pulumi/")).sort();
    assert.deepEqual(Object.keys(manifest.peerDependencies ?? {}).sort(), pulumi, "peerDependencies: exactly the @pulumi packages it imports");
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}).sort(), [...imported.keys()].filter((name) => !name.startsWith("@pulumi/")).sort(), "dependencies: exactly the other packages it imports");
  });

  it("ships the compiled modules, their declarations and every file they read at run time", () => {
    const shipped = new Set(filesUnder(installed));
    for (const file of ["dist/index.js", "dist/index.d.ts", "dist/observability/scripts/apply-requests.sh"]) assert.ok(shipped.has(file), file);
    assert.deepEqual([...shipped].filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts")), [], "no TypeScript sources");
  });

  describe("the consumer program, typechecked with its tsconfig and run under mocks", () => {
    let result: RunnerResult;
    const scenario = (name: string): RunnerScenario => {
      const found = result.scenarios.find((each) => each.name === name);
      assert.ok(found, name);
      return found;
    };
    const deployed = () => {
      const run = scenario("configured");
      assert.equal(run.error, undefined, run.error);
      return run;
    };

    before(async () => {
      // Its own TypeScript and tsconfig, emitting only to run it: a type error fails here with tsc's message.
      const build = path.join(project, ".build");
      await run(process.execPath, [path.join(project, "node_modules/typescript/bin/tsc"), "-p", project, "--noEmit", "false", "--outDir", build], project);
      const runnerSource = fs.readFileSync(path.join(__dirname, "fixtures/consumer-runner.ts"), "utf8");
      fs.writeFileSync(path.join(project, "runner.js"), ts.transpileModule(runnerSource, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
      const stack = { [`${PROJECT}:platformStack`]: PLATFORM_STACK };
      const input: RunnerInput = {
        project: PROJECT,
        stack: "production",
        platformOutputs: PLATFORM as unknown as Record<string, unknown>,
        scenarios: [
          { name: "unconfigured", config: {} },
          { name: "short stack name", config: { [`${PROJECT}:platformStack`]: "production-blueprint/production" } },
          { name: "no Vault address", config: stack },
          { name: "configured", config: { ...stack, [`${PROJECT}:vaultAddress`]: DEPLOYER_VAULT } },
        ],
      };
      fs.writeFileSync(path.join(work, "input.json"), JSON.stringify(input));
      await run(process.execPath, [path.join(project, "runner.js"), path.join(build, "index.js"), path.join(work, "input.json"), path.join(work, "result.json")], project);
      result = JSON.parse(fs.readFileSync(path.join(work, "result.json"), "utf8")) as RunnerResult;
    });

    it("loads the installed package and @pulumi/pulumi, not this repository's", () => {
      assert.equal(result.components, path.join(installed, "dist/index.js"));
      assert.equal(result.pulumi, path.join(project, "node_modules/@pulumi/pulumi/index.js"));
    });

    it("requires platformStack, with no default, naming the fully qualified forms of both backends", () => {
      const run = scenario("unconfigured");
      assert.match(run.error ?? "", /^RunError: missing required configuration blueprint-consumer:platformStack/);
      assert.ok(run.error?.includes("<your-organization>/production-blueprint/production"), run.error);
      assert.ok(run.error?.includes("organization/production-blueprint/production"), run.error);
      assert.deepEqual(run.resources, []);
    });

    it("refuses a stack name that is not <organization>/<project>/<stack>", () => {
      const run = scenario("short stack name");
      assert.match(run.error ?? "", /^RunError: blueprint-consumer:platformStack 'production-blueprint\/production' is not <organization>\/<project>\/<stack>/);
      assert.deepEqual(run.resources, []);
    });

    it("requires the deployer's Vault address from its own config", () => {
      const run = scenario("no Vault address");
      assert.match(run.error ?? "", /^RunError: missing required configuration blueprint-consumer:vaultAddress/);
      assert.deepEqual(run.resources, []);
    });

    it("reads the configured platform stack and exports its collector endpoint", () => {
      const run = deployed();
      assert.deepEqual(run.resources.filter((each) => each.type === "pulumi:pulumi:StackReference").map((each) => each.inputs.name), [PLATFORM_STACK]);
      assert.equal(run.outputs?.collectorEndpoint, PLATFORM.collectorEndpoint);
    });

    it("deploys the consumer's service as a Deployment in its own namespace", () => {
      const run = deployed();
      const namespace = run.resources.find((each) => each.type === "kubernetes:core/v1:Namespace" && each.inputs.metadata?.name === "reports");
      assert.equal(namespace?.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
      const deployment = run.resources.find((each) => each.type === "kubernetes:apps/v1:Deployment" && each.inputs.metadata?.name === "reports");
      assert.ok(deployment, `no Deployment 'reports' among ${run.resources.map((each) => `${each.type} ${each.name}`).join(", ")}`);
      assert.equal(deployment.inputs.metadata.namespace, "reports");
      assert.equal(deployment.inputs.spec.template.spec.containers[0].image, "registry.example.com/analytics/reports:1.0.0");
    });

    it("gives its Vault provider the configured deployer address, and its pods the platform's in-cluster one", () => {
      const run = deployed();
      const providers = run.resources.filter((each) => each.type === "pulumi:providers:vault");
      assert.deepEqual(providers.map((each) => each.inputs.address), [DEPLOYER_VAULT]);
      const role = run.resources.find((each) => each.type === "vault:kubernetes/authBackendRole:AuthBackendRole");
      assert.match(role?.provider ?? "", /::pulumi:providers:vault::vault::/, "the Kubernetes auth role is created through that provider");
      assert.deepEqual({ backend: role?.inputs.backend, roleName: role?.inputs.roleName }, { backend: "kubernetes", roleName: "blueprint-reports" });
      const configMap = run.resources.find((each) => each.type === "kubernetes:core/v1:ConfigMap" && each.inputs.metadata?.name === "reports-config");
      const podEnv = Object.values(configMap?.inputs.data ?? {});
      assert.ok(podEnv.includes(PLATFORM.vault.address), `the pods' env has no ${PLATFORM.vault.address}: ${JSON.stringify(configMap?.inputs.data)}`);
      assert.ok(!podEnv.includes(DEPLOYER_VAULT), "the deployer's address is not the pods'");
    });
  });
});
