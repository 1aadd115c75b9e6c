import * as assert from "node:assert/strict";
import { formatHistory, imageRefs, listHistory, SERVICES_KEY } from "../../../scripts/lib/history";
import { COMMIT_V1, COMMIT_V2, configWith, update } from "../../support/fakeStack";

describe("npm run history (scripts/lib/history.ts)", () => {
  const updates = [
    update(1),
    update(2, { head: COMMIT_V2 }),
    update(3, { head: COMMIT_V2, result: "failed" }),
    update(4, { kind: "refresh", head: COMMIT_V2, dirty: true }),
  ];

  it("lists every update newest first with version, time, kind, result, images and git commit", async () => {
    const entries = await listHistory({ history: async () => updates });
    assert.deepEqual(
      entries.map(({ version, kind, result, time, commit, dirty }) => ({ version, kind, result, time, commit, dirty })),
      [
        { version: 4, kind: "refresh", result: "succeeded", time: "2026-11-04T09:30:00.000Z", commit: COMMIT_V2, dirty: true },
        { version: 3, kind: "update", result: "failed", time: "2026-11-03T09:30:00.000Z", commit: COMMIT_V2, dirty: false },
        { version: 2, kind: "update", result: "succeeded", time: "2026-11-02T09:30:00.000Z", commit: COMMIT_V2, dirty: false },
        { version: 1, kind: "update", result: "succeeded", time: "2026-11-01T09:30:00.000Z", commit: COMMIT_V1, dirty: false },
      ],
    );
    assert.deepEqual(entries[3].images, { "items-api": "ghcr.io/production-blueprint/items-api:0.1.0" });
  });

  it("reads image references from the services config whether recorded as an object or as JSON text", () => {
    const asText = configWith("0.9.0");
    delete asText[SERVICES_KEY].objectValue;
    assert.deepEqual(imageRefs(asText), { "items-api": "ghcr.io/production-blueprint/items-api:0.9.0" });
    const built = { "items-api": { image: { build: true, repository: "registry.example.com/items-api", tag: "1.2.3" } }, orders: { image: { build: false, ref: "r.example.com/orders@sha256:" + "a".repeat(64) } } };
    assert.deepEqual(imageRefs({ [SERVICES_KEY]: { value: JSON.stringify(built) } }), {
      "items-api": "registry.example.com/items-api:1.2.3 (built)",
      orders: `r.example.com/orders@sha256:${"a".repeat(64)}`,
    });
    assert.deepEqual(imageRefs(undefined), {});
  });

  it("prints a table a person can scan: one row per update, its images beneath, and missing commits said plainly", async () => {
    const noGit = update(5, { environment: {} });
    const text = formatHistory("staging", await listHistory({ history: async () => [...updates, noGit] }));
    const lines = text.split("\n");
    assert.match(lines[0], /^VERSION +TIME \(UTC\) +KIND +RESULT +GIT COMMIT$/);
    assert.match(lines[1], /^5 +2026-11-05 09:30:00Z +update +succeeded +\(no git commit recorded\)$/);
    assert.ok(lines.some((line) => /^4 +2026-11-04 09:30:00Z +refresh +succeeded +222222222222 \+uncommitted changes$/.test(line)), text);
    assert.ok(lines.some((line) => /^3 .* failed /.test(line)), text);
    assert.ok(lines.includes("         image items-api = ghcr.io/production-blueprint/items-api:0.1.0"), text);
  });

  it("numbers a DIY backend's updates by position, oldest = 1, because such backends record version 0 for all", async () => {
    // As the file backend returns them: newest first, every version 0.
    const diy = [update(3, { head: COMMIT_V2 }), update(2), update(1)].map((entry) => ({ ...entry, version: 0 }));
    const entries = await listHistory({ history: async () => diy });
    assert.deepEqual(
      entries.map(({ version, versionFrom, time }) => ({ version, versionFrom, time })),
      [
        { version: 3, versionFrom: "position", time: "2026-11-03T09:30:00.000Z" },
        { version: 2, versionFrom: "position", time: "2026-11-02T09:30:00.000Z" },
        { version: 1, versionFrom: "position", time: "2026-11-01T09:30:00.000Z" },
      ],
    );
    assert.match(formatHistory("local", entries), /this backend records no version numbers: versions count updates from the oldest, 1/);
    assert.ok(!formatHistory("staging", await listHistory({ history: async () => updates })).includes("records no version numbers"));
  });

  it("says so when the stack has never been updated", async () => {
    assert.equal(formatHistory("staging", await listHistory({ history: async () => [] })), "stack 'staging' has no updates yet");
  });

  it("never prints a secret config value", async () => {
    const text = formatHistory("staging", await listHistory({ history: async () => updates }));
    assert.ok(!text.includes("token-for-"), text);
  });
});
