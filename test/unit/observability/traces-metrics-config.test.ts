import * as assert from "node:assert/strict";
import { ConfigError, parseConfig, type RawStackConfig } from "../../../components/stackConfig";
import { loadStackFile } from "../../../scripts/lib/stackFile";

function rejection(edit: (observability: Record<string, any>) => void): string {
  const raw = loadStackFile("production");
  const values = structuredClone(raw.values) as Record<string, any>;
  edit(values.observability);
  const edited: RawStackConfig = { values, secretKeys: raw.secretKeys };
  try {
    parseConfig(edited, "production");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  return assert.fail("expected the config to be rejected");
}

describe("Jaeger and Prometheus config validation", () => {
  it("refuses a second Jaeger replica, naming the key and why", () => {
    const message = rejection((obs) => (obs.jaeger.replicas = 2));
    assert.match(message, /production-blueprint:observability\.jaeger\.replicas: must be 1: memory and badger storage keep the traces inside one pod/);
  });

  it("requires the API server addresses Prometheus discovers pods through", () => {
    const message = rejection((obs) => delete obs.prometheus.apiServer);
    assert.match(message, /production-blueprint:observability\.prometheus\.apiServer/);
  });

  it("refuses a malformed API server CIDR and an unparseable retention", () => {
    const message = rejection((obs) => {
      obs.prometheus.apiServer = { cidrs: ["10.0.0.0"], ports: [6443] };
      obs.prometheus.retention = "15 days";
    });
    assert.match(message, /observability\.prometheus\.apiServer\.cidrs\.0: expected an IPv4 or IPv6 CIDR/);
    assert.match(message, /observability\.prometheus\.retention/);
  });

  it("refuses an address that only looks like a CIDR (999.999.999.999/8), with zod's own validator", () => {
    const message = rejection((obs) => (obs.prometheus.apiServer = { cidrs: ["999.999.999.999/32"], ports: [6443] }));
    assert.match(message, /observability\.prometheus\.apiServer\.cidrs\.0: expected an IPv4 or IPv6 CIDR/);
  });

  it("refuses a range for the API server (the old 10.0.0.0/8 placeholder), and has no default port", () => {
    const range = rejection((obs) => (obs.prometheus.apiServer = { cidrs: ["10.0.0.0/8"], ports: [6443] }));
    assert.match(range, /observability\.prometheus\.apiServer\.cidrs\.0: expected a single address: a \/32 \(IPv4\) or \/128 \(IPv6\)/);
    const noPort = rejection((obs) => (obs.prometheus.apiServer = { cidrs: ["192.0.2.7/32"] }));
    assert.match(noPort, /observability\.prometheus\.apiServer\.ports/);
  });

  it("requires an absolute runbookBaseUrl", () => {
    assert.match(rejection((obs) => delete obs.prometheus.runbookBaseUrl), /observability\.prometheus\.runbookBaseUrl/);
    assert.match(rejection((obs) => (obs.prometheus.runbookBaseUrl = "docs/runbooks")), /observability\.prometheus\.runbookBaseUrl: expected an absolute http\(s\) URL/);
  });

  it("refuses a UI allow-list entry without pod labels", () => {
    const message = rejection((obs) => (obs.jaeger.uiAllowFrom = [{ namespace: "ingress-nginx" }]));
    assert.match(message, /observability\.jaeger\.uiAllowFrom\.0\.podLabels/);
  });
});
