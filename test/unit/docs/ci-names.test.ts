import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CI_ENVIRONMENTS, CI_JOBS, type CiEnvironment, ciAudience, ciPolicyName, ciRoleName, githubEnvironment, JWT_AUTH_MOUNT, STATE_TRANSIT_MOUNT, stateSecretsProvider, stateTransitKey } from "../../../ci-identity/names";
import { PROJECT_ROOT } from "../../../scripts/lib/stackFile";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

/**
 * The setup steps in the docs are typed by people into GitHub, Vault and a shell: a name there that differs
 * from ci-identity/names.ts is a job that cannot log in, or a stack encrypted with a key no role may use.
 */
describe("the CI names in the docs are the ones in ci-identity/names.ts", () => {
  const pages = { "README.md": read("README.md"), "docs/ci-cd.md": read("docs/ci-cd.md"), "docs/vault.md": read("docs/vault.md") };

  it("each `pulumi stack init … --secrets-provider` names the stack's own transit key", () => {
    const inits = Object.entries(pages).flatMap(([file, text]) =>
      [...text.matchAll(/pulumi stack init (\w+) --secrets-provider '([^']+)'/g)].map(([, stack, provider]) => ({ file, stack, provider })),
    );
    assert.ok(inits.length >= 3, `expected the README's and ci-cd.md's stack inits, found ${JSON.stringify(inits)}`);
    for (const { file, stack, provider } of inits) assert.equal(provider, stateSecretsProvider(stack), `${file}: stack init of ${stack}`);
  });

  it("ci-cd.md names every role, audience, GitHub environment, the JWT mount and the transit engine", () => {
    const text = pages["docs/ci-cd.md"];
    const expected = [JWT_AUTH_MOUNT, STATE_TRANSIT_MOUNT];
    for (const environment of CI_ENVIRONMENTS) {
      expected.push(stateTransitKey("<stack>"));
      for (const job of CI_JOBS) expected.push(githubEnvironment(environment, job));
    }
    for (const name of expected) assert.ok(text.includes(`\`${name}\``), `docs/ci-cd.md does not name \`${name}\``);
    // The roles, policies and audiences are written once with <env> in ci-cd.md: the same builders, given "<env>".
    const anyEnvironment = "<env>" as CiEnvironment;
    for (const job of CI_JOBS) {
      for (const [what, name] of [["role", ciRoleName(anyEnvironment, job)], ["policy", ciPolicyName(anyEnvironment, job)], ["audience", ciAudience(anyEnvironment, job)]]) {
        assert.ok(text.includes(name), `docs/ci-cd.md does not name the ${what} ${name}`);
      }
    }
  });
});
