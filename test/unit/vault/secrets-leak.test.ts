import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeRender } from "../../../scripts/lib/manifests";
import type { DeclaredResource } from "../../../scripts/lib/mocks";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { runWith, stackRun, type MockRun } from "../../support/runs";
import { appRoleStack } from "../../support/stackEdits";

interface Haystack {
  where: string;
  text: string;
}

/** A secret can leak as itself, JSON-escaped, or base64-encoded (a Kubernetes Secret's `data`). */
function encodings(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64")];
}

/** Names every (secret, place) pair where a secret shows in plaintext. */
function findLeaks(secrets: string[], haystacks: Haystack[]): string[] {
  const leaks: string[] = [];
  for (const secret of secrets) {
    if (secret.length < 8) throw new Error(`secret '${secret}' is too short to search for without false alarms`);
    for (const haystack of haystacks) {
      if (encodings(secret).some((form) => haystack.text.includes(form))) leaks.push(`${secret} in ${haystack.where}`);
    }
  }
  return leaks;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The stack outputs and every file of the offline render (manifests and resources.json). */
function publicViews(outputs: unknown, resources: DeclaredResource[]): Haystack[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leak-render-"));
  try {
    writeRender(resources, dir);
    const files = filesUnder(dir).map((file) => ({ where: path.relative(dir, file), text: fs.readFileSync(file, "utf8") }));
    assert.ok(files.some((file) => file.where === "resources.json"), "the render lists resources.json");
    return [{ where: "stack outputs", text: JSON.stringify(outputs) }, ...files];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CONFIG_SECRETS = { vaultToken: "hvs.leak-canary-vault-token-0123456789" };

async function stagingWithConfigSecrets(): Promise<MockRun> {
  const raw = loadStackFile("staging");
  const values = { ...raw.values, vaultToken: CONFIG_SECRETS.vaultToken };
  return runWith("staging", { values, secretKeys: new Set([...raw.secretKeys, "vaultToken"]) });
}

const RUNS: Array<[string, () => Promise<MockRun>, string[]]> = [
  ["local", () => stackRun("local"), []],
  ["staging", () => stackRun("staging"), []],
  ["production", () => stackRun("production"), []],
  ["staging with a Vault token in secret config", stagingWithConfigSecrets, Object.values(CONFIG_SECRETS)],
];

describe("no secret leaks into stack outputs or the rendered manifests", () => {
  for (const [label, runOf, configSecrets] of RUNS) {
    describe(label, () => {
      let run: MockRun;
      let secrets: string[];
      before(async () => {
        run = await runOf();
        secrets = [...run.generatedSecrets, ...configSecrets];
      });

      it("has secrets to look for, and they do flow into declared resources (so the search is not vacuous)", () => {
        assert.ok(run.generatedSecrets.length >= (label === "local" ? 1 : 5), `generated: ${run.generatedSecrets.length}`);
        const declared = JSON.stringify(run.resources);
        const flowing = secrets.filter((secret) => declared.includes(secret));
        assert.ok(flowing.length >= (label === "local" ? 1 : 4), `secrets reaching resource inputs: ${flowing.length}`);
        for (const secret of configSecrets) assert.ok(flowing.includes(secret), `${secret} should reach a resource`);
      });

      it("finds none of them in plaintext, JSON-escaped or base64 in the outputs, any manifest or resources.json", () => {
        assert.deepEqual(findLeaks(secrets, publicViews(run.outputs, run.resources)), []);
      });
    });
  }
});

describe("the leak search itself", () => {
  it("reports a secret in plaintext, JSON-escaped and base64 forms, naming where", () => {
    const secret = 'mock-secretId-"quoted"-value';
    assert.deepEqual(
      findLeaks([secret], [
        { where: "plain", text: `x ${secret} y` },
        { where: "escaped", text: JSON.stringify({ value: secret }) },
        { where: "base64", text: `data: ${Buffer.from(secret).toString("base64")}` },
        { where: "clean", text: "[secret]" },
      ]),
      [`${secret} in plain`, `${secret} in escaped`, `${secret} in base64`],
    );
  });

  it("catches a Secret whose value lost its secret marking, in both its manifest and resources.json", async () => {
    // The AppRole login, whose secret_id is the one Vault credential a Secret ever carries.
    const run = await runWith("staging", appRoleStack("staging"));
    const unmasked = run.resources.map((resource) =>
      resource.type === "kubernetes:core/v1:Secret" ? { ...resource, inputs: { ...resource.inputs, stringData: (resource.inputs.stringData as { value: unknown }).value } } : resource,
    );
    const leaks = findLeaks(run.generatedSecrets, publicViews(run.outputs, unmasked));
    assert.ok(leaks.some((leak) => /^mock-secretId-.* in secret-apps-items-api-vault-approle\.yaml$/.test(leak)), leaks.join("\n"));
    assert.ok(leaks.some((leak) => /^mock-secretId-.* in resources\.json$/.test(leak)), leaks.join("\n"));
  });

  it("catches a secret exported as a stack output", async () => {
    const run = await stackRun("staging");
    const leaks = findLeaks(run.generatedSecrets, publicViews({ ...(run.outputs as object), debug: run.generatedSecrets[0] }, run.resources));
    assert.deepEqual(leaks, [`${run.generatedSecrets[0]} in stack outputs`]);
  });
});
