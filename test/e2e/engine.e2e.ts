import type { EngineEvent } from "@pulumi/pulumi/automation";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { requireEngine } from "./support/engineMode";
import { copyProject, type ProjectCopy } from "../support/projectCopy";
import { dropMemoryLimit, editStackFile, failureText, localStack } from "./support/localStack";

/** Runs a preview that must fail: everything it printed, and the engine's error diagnostics one by one. */
async function failedPreview(copy: ProjectCopy): Promise<{ output: string; errors: string[] }> {
  const stack = await localStack(copy);
  const errors: string[] = [];
  const onEvent = (event: EngineEvent) => {
    if (event.diagnosticEvent?.severity === "error") errors.push(event.diagnosticEvent.message);
  };
  try {
    await stack.preview({ color: "never", onEvent });
  } catch (error) {
    return { output: failureText(error), errors };
  }
  throw new assert.AssertionError({ message: "the preview succeeded, but it was expected to fail" });
}

describe("the real Pulumi engine runs this TypeScript program on Node 24 (local stack, file backend)", function () {
  let copy: ProjectCopy;

  beforeEach(function () {
    requireEngine();
    copy = copyProject();
  });
  afterEach(() => copy?.remove());

  it("has Node 24 first on PATH, the node the language host starts the program with", function () {
    assert.match(execFileSync("node", ["--version"], { encoding: "utf8" }), /^v24\./);
  });

  it("fails the preview of a broken stack config with the program's one message naming the key, the stack and what is expected", async function () {
    editStackFile(copy, "local", dropMemoryLimit);
    const { output, errors } = await failedPreview(copy);
    const configErrors = errors.filter((message) => message.includes("ConfigError: Invalid config for stack 'local':"));
    assert.equal(configErrors.length, 1, output);
    assert.match(configErrors[0], /production-blueprint:services\.items-api\.resources\.limits\.memory: is required \(Invalid input: expected string\)/);
  });
});
