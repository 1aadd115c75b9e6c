import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { parseConfig } from "../../../components/stackConfig";
import { VectorAgent } from "../../../components/observability/vector";
import { loadStackFile } from "../../../scripts/lib/stackFile";
import { runWith } from "../../support/runs";

type Any = Record<string, any>;

/** The stack file with one edit to its observability section. */
function editedStack(stack: string, edit: (observability: Any) => void) {
  const raw = loadStackFile(stack);
  const values = structuredClone(raw.values) as Any;
  edit(values.observability);
  return { ...raw, values };
}

describe("log pipeline sizing: bad input gets one clear error naming the key", () => {
  const cases: [string, (observability: Any) => void, RegExp][] = [
    ["a Kafka replication factor above the broker count", (o) => (o.kafka.replicationFactor = 3), /observability\.kafka\.replicationFactor: must not exceed replicas/],
    ["min.insync.replicas above the replication factor", (o) => (o.kafka.minInsyncReplicas = 2), /observability\.kafka\.minInsyncReplicas: must not exceed replicationFactor/],
    ["two Elasticsearch nodes", (o) => (o.elasticsearch.replicas = 2), /observability\.elasticsearch\.replicas: must be 1 or at least 3/],
    ["an Elasticsearch heap above 75% of the memory limit", (o) => (o.elasticsearch.heap = "2g"), /observability\.elasticsearch\.heap: must be at most 75% of resources\.limits\.memory/],
    ["a malformed memory limit next to the heap check", (o) => (o.elasticsearch.resources.limits.memory = "lots"), /observability\.elasticsearch\.resources\.limits\.memory: expected a Kubernetes quantity/],
  ];
  for (const [problem, edit, message] of cases) {
    it(`rejects ${problem}`, () => {
      assert.throws(() => parseConfig(editedStack("staging", edit), "staging"), message);
    });
  }

  it("accepts the committed staging and production stacks", () => {
    for (const stack of ["staging", "production"]) assert.doesNotThrow(() => parseConfig(loadStackFile(stack), stack));
  });

  it("rejects an agent whose ephemeral-storage limit cannot hold its disk buffer, naming the key and the need, as the agent's error", async () => {
    const raw = editedStack("staging", (o) => {
      o.vectorAgent.resources.limits.ephemeralStorage = "256Mi";
      o.vectorAgent.resources.requests.ephemeralStorage = "64Mi";
    });
    await assert.rejects(runWith("staging", raw), (error: unknown) => {
      assert.ok(pulumi.ResourceError.isInstance(error), `expected a ResourceError, got ${String(error)}`);
      assert.ok(error.resource instanceof VectorAgent, "raised for the VectorAgent component");
      assert.match(error.message, /observability\.vectorAgent\.resources\.limits\.ephemeralStorage 256Mi is below the 385Mi its disk buffers and \/tmp need/);
      return true;
    });
  });
});
