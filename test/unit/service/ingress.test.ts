import * as assert from "node:assert/strict";
import { findObject, stackRun } from "../../support/runs";
import { withServices } from "../../support/stackEdits";

type Any = Record<string, any>;

describe("the Ingress routes only the API", () => {
  for (const stack of ["staging", "production"] as const) {
    it(`routes /api on ${stack}, never / (so /metrics, /health, /ready and /docs stay inside the cluster)`, async () => {
      const ingress = findObject(await stackRun(stack), "Ingress", "items-api", "apps") as Any;
      const paths = ingress.spec.rules.flatMap((rule: Any) => rule.http.paths.map((path: Any) => `${path.pathType} ${path.path}`));
      assert.deepEqual(paths, ["Prefix /api"]);
    });
  }

  it("refuses a configured path that would publish / or /metrics", async () => {
    for (const path of ["/", "/metrics", "/docs/json"]) {
      await assert.rejects(
        withServices("staging", (services) => (services["items-api"].ingress.paths = [path])),
        /production-blueprint:services\.items-api\.ingress\.paths\.0/,
        path,
      );
    }
  });
});
