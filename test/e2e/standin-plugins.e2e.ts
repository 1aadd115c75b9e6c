import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/stackFile";

interface Described {
  standIn: boolean;
  version: string;
  resources: Record<string, { inputs: string[]; outputs: string[]; secrets: string[] }>;
}

/** What the npm SDK's resource class sends (inputs) and reads back (outputs), from its compiled JavaScript. */
function sdkProperties(pkg: string, module: string): { inputs: string[]; outputs: string[]; secrets: string[] } {
  const source = fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi", pkg, `${module}.js`), "utf8");
  const assigned = (pattern: RegExp) => [...new Set([...source.matchAll(pattern)].map((m) => m[1]))].sort();
  const secrets = /additionalSecretOutputs: \[([^\]]*)\]/.exec(source)?.[1] ?? "";
  return {
    inputs: assigned(/resourceInputs\["(\w+)"\] = args\?\./g),
    outputs: assigned(/resourceInputs\["(\w+)"\] = undefined \/\*out\*\//g),
    secrets: [...secrets.matchAll(/"(\w+)"/g)].map((m) => m[1]).sort(),
  };
}

const RESOURCES: Record<string, [string, string, string][]> = {
  random: [
    ["random:index/randomPassword:RandomPassword", "random", "randomPassword"],
    ["random:index/randomId:RandomId", "random", "randomId"],
    ["random:index/randomBytes:RandomBytes", "random", "randomBytes"],
  ],
  tls: [
    ["tls:index/privateKey:PrivateKey", "tls", "privateKey"],
    ["tls:index/selfSignedCert:SelfSignedCert", "tls", "selfSignedCert"],
    ["tls:index/certRequest:CertRequest", "tls", "certRequest"],
    ["tls:index/locallySignedCert:LocallySignedCert", "tls", "locallySignedCert"],
  ],
};

describe("the random and tls stand-in plugins speak exactly the npm SDKs' property names", function () {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "standins-"));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  for (const [plugin, resources] of Object.entries(RESOURCES)) {
    it(`${plugin}: every resource this project uses, with the SDK's inputs, outputs and secret outputs`, function () {
      const binary = path.join(out, `pulumi-resource-${plugin}`);
      execFileSync("bash", ["-c", `source toolchain/lib/go-env.sh && cd toolchain/pulumi/standin-providers && go build -o "${binary}" ./cmd/pulumi-resource-${plugin}`], { cwd: PROJECT_ROOT, stdio: "inherit" });
      const described = JSON.parse(execFileSync(binary, ["--describe"], { encoding: "utf8" })) as Described;
      assert.equal(described.standIn, true);
      assert.deepEqual(Object.keys(described.resources).sort(), resources.map(([token]) => token).sort());
      for (const [token, pkg, module] of resources) {
        const sdk = sdkProperties(pkg, module);
        const standIn = described.resources[token];
        assert.ok(sdk.inputs.length > 0 && sdk.outputs.length > 0, `${module}.js was read`);
        assert.deepEqual([...standIn.inputs].sort(), sdk.inputs, `${token} inputs`);
        assert.deepEqual([...standIn.outputs].sort(), sdk.outputs, `${token} outputs`);
        for (const secret of sdk.secrets) assert.ok(standIn.secrets.includes(secret), `${token}: ${secret} is a secret output`);
      }
    });
  }
});
