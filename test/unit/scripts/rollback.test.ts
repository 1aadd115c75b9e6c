import * as assert from "node:assert/strict";
import { replayableChange, rollback, RollbackRefused, RollbackUpFailed, UNDECRYPTABLE } from "../../../scripts/lib/rollback";
import { COMMIT_V1, COMMIT_V2, configWith, FakeGit, FakeStack, FakeTerminal, update } from "../../support/fakeStack";

const STACK = "staging";
const OLD = update(1);
const CURRENT_CONFIG = configWith("0.2.0", { "production-blueprint:logLevel": { value: "debug", secret: false } });

function history() {
  return [OLD, update(2, { head: COMMIT_V2, config: CURRENT_CONFIG }), update(3, { head: COMMIT_V2, result: "failed" }), update(4, { kind: "refresh", head: COMMIT_V2 })];
}

function setup(options: { updates?: ReturnType<typeof history>; git?: FakeGit; interactive?: boolean; answer?: boolean } = {}) {
  const stack = new FakeStack(STACK, options.updates ?? history(), structuredClone(CURRENT_CONFIG));
  const git = options.git ?? new FakeGit();
  const terminal = new FakeTerminal(options.interactive ?? false, options.answer ?? false);
  return { stack, git, terminal, run: (to: number, yes: boolean) => rollback(stack, git, terminal, { to, yes }) };
}

/** A refusal leaves the stack untouched: nothing is written, previewed or deployed. */
async function assertRefused(promise: Promise<unknown>, message: RegExp, stack: FakeStack): Promise<void> {
  await assert.rejects(promise, (error: Error) => error instanceof RollbackRefused && message.test(error.message));
  assert.deepEqual(
    stack.ops().filter((op) => !["history", "getAllConfig"].includes(op)),
    [],
    "a refused rollback must not change the stack",
  );
}

describe("npm run rollback (scripts/lib/rollback.ts)", () => {
  describe("refusals", () => {
    it("refuses a version the stack does not have, naming the range and the updates that succeeded", async () => {
      const { stack, run } = setup();
      await assertRefused(run(9, true), /stack 'staging' has no version 9 \(it has versions 1–4\); see `npm run history -- --stack staging`; updates that succeeded: 2, 1/, stack);
    });

    it("refuses an update that failed", async () => {
      const { stack, run } = setup();
      await assertRefused(run(3, true), /version 3 of stack 'staging' failed: its config never deployed completely/, stack);
    });

    it("refuses a history entry that is not an update (refresh, destroy)", async () => {
      const { stack, run } = setup();
      await assertRefused(run(4, true), /version 4 of stack 'staging' was a refresh, not an update/, stack);
    });

    for (const [what, value] of [
      ["was recorded without its value", undefined],
      ["cannot be decrypted", UNDECRYPTABLE],
    ] as const) {
      it(`refuses when a secret in that config ${what}, naming the key and explaining why`, async () => {
        const old = update(1, { config: configWith("0.1.0", { "production-blueprint:databaseUrls": { secret: true, ...(value ? { value } : {}) } }) });
        const { stack, run } = setup({ updates: [old, update(2, { head: COMMIT_V2 })] });
        await assertRefused(
          run(1, true),
          /version 1's config holds secrets that cannot be restored: production-blueprint:databaseUrls\.\nStack history keeps secret config only encrypted/,
          stack,
        );
      });
    }

    it("refuses when the update recorded no git commit", async () => {
      const { stack, run } = setup({ updates: [update(1, { environment: {} }), update(2)] });
      await assertRefused(run(1, true), /version 1 recorded no git commit .*config replay restores config, not code/, stack);
    });

    it("refuses when the update ran from uncommitted code", async () => {
      const { stack, run } = setup({ updates: [update(1, { dirty: true }), update(2)] });
      await assertRefused(run(1, true), new RegExp(`version 1 ran from commit ${COMMIT_V1} plus uncommitted changes`), stack);
    });

    it("accepts an update made by an earlier rollback, whose only uncommitted change was the replayed stack file", async () => {
      const previousRollback = update(2, { dirty: true, message: "npm run rollback: config of version 1 (commit 1111)" });
      const { stack, run } = setup({ updates: [OLD, previousRollback, update(3, { head: COMMIT_V2 })] });
      assert.equal((await run(2, true)).applied, true);
      assert.ok(stack.ops().includes("up"));
    });

    it("refuses a dirty working tree, naming the files and the commit the code is compared with", async () => {
      const { stack, run } = setup({ git: new FakeGit(COMMIT_V2, ["components/blueprint.ts"]) });
      await assertRefused(run(1, true), new RegExp(`uncommitted changes \\(components/blueprint\\.ts\\): commit or stash them and rerun; the code must be a commit to compare with ${COMMIT_V1}`), stack);
    });

    it("refuses when the code differs from the update's commit, listing the files and the commit to check out", async () => {
      const git = new FakeGit(COMMIT_V2, [], { [`${COMMIT_V1}..${COMMIT_V2}`]: ["Pulumi.staging.yaml", "components/service/manifests.ts", "package.json"] });
      const { stack, run } = setup({ git });
      await assertRefused(
        run(1, true),
        new RegExp(`the code differs from commit ${COMMIT_V1}, which version 1 deployed: components/service/manifests\\.ts, package\\.json\\.\\nConfig replay restores config, not code\\. Check out that commit first, then rerun this command:\\n  git switch --detach ${COMMIT_V1}`),
        stack,
      );
    });

    it("refuses when the update's commit is not in this clone, and says to fetch it", async () => {
      const { stack, run } = setup({ git: new FakeGit(COMMIT_V2, [], {}) });
      await assertRefused(run(1, true), new RegExp(`commit ${COMMIT_V1}, which is not in this clone: run \`git fetch\`, then \`git switch --detach ${COMMIT_V1}\``), stack);
    });

    it("refuses without --yes when nobody can answer the prompt, before reading anything", async () => {
      const { stack, run } = setup({ interactive: false });
      await assertRefused(run(1, false), /not running on a terminal.*rerun with --yes/, stack);
      assert.deepEqual(stack.ops(), []);
    });
  });

  it("counts only this stack's config file, other stack files, docs, tests and workflows as replayable", () => {
    assert.deepEqual(
      ["Pulumi.staging.yaml", "Pulumi.production.yaml", "docs/rollback.md", "README.md", "test/x.test.ts", ".github/workflows/ci.yml", "Pulumi.yaml", "components/blueprint.ts", "app/src/server.ts", "package-lock.json"].filter((file) => !replayableChange(file, STACK)),
      ["Pulumi.yaml", "components/blueprint.ts", "app/src/server.ts", "package-lock.json"],
    );
  });

  describe("applying", () => {
    it("with --yes: sets exactly the old config, removes keys it did not have, then runs up without a preview", async () => {
      const { stack, terminal, run } = setup();
      const outcome = await run(1, true);
      assert.deepEqual(stack.ops(), ["history", "getAllConfig", "removeAllConfig", "setAllConfig", "up"]);
      assert.deepEqual(stack.calls[2], { op: "removeAllConfig", keys: ["production-blueprint:logLevel"] });
      assert.deepEqual(stack.calls[3], { op: "setAllConfig", config: OLD.config });
      assert.deepEqual(stack.calls[4], { op: "up", message: `npm run rollback: config of version 1 (commit ${COMMIT_V1})` });
      assert.deepEqual(stack.config, OLD.config, "the stack config is now exactly version 1's");
      assert.deepEqual(outcome, { applied: true, version: 5 });
      assert.match(terminal.text(), /image items-api: ghcr\.io\/production-blueprint\/items-api:0\.2\.0 -> ghcr\.io\/production-blueprint\/items-api:0\.1\.0/);
      assert.deepEqual(terminal.questions, [], "--yes never asks");
    });

    it("finds the version on a DIY backend, whose history records version 0 for every update, by position", async () => {
      const diy = history().filter((entry) => entry.kind === "update" && entry.result === "succeeded").reverse().map((entry) => ({ ...entry, version: 0 }));
      const { stack, run } = setup({ updates: diy });
      await run(1, true);
      assert.deepEqual(stack.calls.find((call) => call.op === "setAllConfig"), { op: "setAllConfig", config: OLD.config });
    });

    it("rolls back across commits that changed only config, docs or tests", async () => {
      const { stack, run } = setup({ git: new FakeGit(COMMIT_V2, [], { [`${COMMIT_V1}..${COMMIT_V2}`]: ["Pulumi.staging.yaml", "Pulumi.production.yaml", "docs/rollback.md", "test/rollback.test.ts"] }) });
      assert.equal((await run(1, true)).applied, true);
      assert.ok(stack.ops().includes("up"));
    });

    it("without --yes: shows the preview of the restored config, asks, and runs up on 'y'", async () => {
      const { stack, terminal, run } = setup({ interactive: true, answer: true });
      const outcome = await run(1, false);
      assert.deepEqual(stack.ops(), ["history", "getAllConfig", "removeAllConfig", "setAllConfig", "preview", "up"]);
      assert.deepEqual(terminal.questions, ["Apply this rollback of stack 'staging' to version 1? (y/N) "]);
      assert.match(terminal.text(), /Resources: ~ 1 to update/);
      assert.equal(outcome.applied, true);
    });

    it("without --yes: on 'no' it runs no update and puts the current config back exactly", async () => {
      const { stack, run } = setup({ interactive: true, answer: false });
      const outcome = await run(1, false);
      assert.deepEqual(stack.ops(), ["history", "getAllConfig", "removeAllConfig", "setAllConfig", "preview", "setAllConfig"]);
      assert.deepEqual(stack.config, CURRENT_CONFIG);
      assert.deepEqual(outcome, { applied: false, reason: "not confirmed; the stack config was put back as it was" });
    });

    it("puts the current config back when the preview fails, and reports the failure", async () => {
      const { stack, run } = setup({ interactive: true, answer: true });
      stack.previewError = new Error("preview failed: cluster unreachable");
      await assert.rejects(run(1, false), /cluster unreachable/);
      assert.ok(!stack.ops().includes("up"));
      assert.deepEqual(stack.config, CURRENT_CONFIG);
    });

    it("reports a failed up as such, leaving the restored config in place and saying how to go back", async () => {
      const { stack, run } = setup();
      stack.up = async () => {
        throw new Error("kubernetes: connection refused");
      };
      await assert.rejects(run(1, true), (error: Error) => error instanceof RollbackUpFailed && /Pulumi\.staging\.yaml now holds version 1's config.*\n.*connection refused/s.test(error.message));
      assert.deepEqual(stack.config, OLD.config);
    });

    it("never writes a secret value to the terminal", async () => {
      const { terminal, run } = setup({ interactive: true, answer: true });
      await run(1, false);
      assert.match(terminal.text(), /~ production-blueprint:vaultToken \(secret\)/);
      assert.ok(!terminal.text().includes("token-for-"), terminal.text());
    });
  });
});
