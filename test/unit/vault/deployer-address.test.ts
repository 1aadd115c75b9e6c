import * as assert from "node:assert/strict";
import { findObject, stackRun } from "../../support/runs";

type Any = Record<string, any>;

describe("the deployer's Vault address and the pods' are separate", () => {
  for (const stack of ["staging", "production"] as const) {
    it(`on ${stack}, the Vault provider uses vault.deployerAddress and the pods vault.address`, async () => {
      const run = await stackRun(stack);
      const vault = run.config.vault;
      assert.ok(vault.enabled && vault.deployerAddress, "deployerAddress is set");
      const provider = run.resources.find((resource) => resource.type === "pulumi:providers:vault");
      assert.equal(provider?.inputs.address, vault.deployerAddress);
      assert.doesNotMatch(vault.deployerAddress, /\.svc(\.cluster\.local)?(:|$)/, "a CI runner cannot resolve an in-cluster name");
      assert.equal((findObject(run, "ConfigMap", "items-api-config", "apps") as Any).data.VAULT_URL, vault.address);
    });
  }
});
