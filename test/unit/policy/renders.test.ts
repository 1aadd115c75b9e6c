import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluatePolicies } from "../../../policy/evaluate";
import { describeObject } from "../../../policy/kubernetes";
import { objectsOf, stackRun } from "../../support/runs";

const POLICY_DOC = path.join(__dirname, "..", "..", "..", "docs", "policy.md");

for (const stack of ["staging", "production"]) {
  describe(`policy pack over the offline render of ${stack}`, () => {
    it("finds zero violations in every Kubernetes object the stack declares", async () => {
      const run = await stackRun(stack);
      const objects = objectsOf(run);
      const { violations, exemptions } = evaluatePolicies(objects, { environment: run.config.environment });
      console.log(`      policy pack checked ${objects.length} Kubernetes objects of ${stack} (${run.resources.length} resources declared); exemptions in force: ${exemptions.length}`);
      assert.ok(objects.some((object) => object.kind === "Deployment"), "the render holds workloads to check");
      assert.deepEqual(
        violations.map((violation) => `${violation.policy}: ${describeObject(violation.object)}: ${violation.message}`),
        [],
      );
    });

    it("lists each exemption in force, with its reason, in docs/policy.md", async () => {
      const doc = fs.readFileSync(POLICY_DOC, "utf8");
      const run = await stackRun(stack);
      for (const exemption of evaluatePolicies(objectsOf(run), { environment: run.config.environment }).exemptions) {
        const row = `| ${exemption.policy} | ${describeObject(exemption.object)} |`;
        assert.ok(doc.includes(row), `docs/policy.md lacks the exemption row starting '${row}' (reason: ${exemption.reason})`);
      }
    });
  });
}
