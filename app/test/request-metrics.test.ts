import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS } from '../src/metrics/metrics.js';
import { RequestMetrics } from '../src/metrics/request-metrics.js';

const names = {
  counterName: 'http_requests_total',
  counterHelp: 'API requests',
  histogramName: 'http_request_duration_seconds',
  histogramHelp: 'API request duration in seconds',
};

/** The same observations through prom-client's own Counter and Histogram, for the reference exposition. */
function reference(observations: Array<[string, string, number, number]>): Registry {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status_code'] as const;
  const counter = new Counter({ name: names.counterName, help: names.counterHelp, labelNames, registers: [registry] });
  const histogram = new Histogram({ name: names.histogramName, help: names.histogramHelp, labelNames, buckets: HTTP_DURATION_BUCKETS, registers: [registry] });
  for (const [method, route, status, seconds] of observations) {
    const labels = { method, route, status_code: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  }
  return registry;
}

describe('request metrics (pre-bound counter and histogram)', () => {
  const observations: Array<[string, string, number, number]> = [
    ['GET', '/api/v1/items', 200, 0.0004],
    ['GET', '/api/v1/items', 200, 0.005],
    ['POST', '/api/v1/items', 201, 0.03],
    ['GET', '/api/v1/items/:id', 404, 12],
    ['GET', '/api/v1/items', 200, 0.26],
    ['GET', 'unmatched', 404, 0.0011],
  ];

  it('exposes exactly what prom-client\'s Counter and Histogram expose for the same requests', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...names });
    for (const [method, route, status, seconds] of observations) metrics.observe(method, route, status, seconds);
    assert.equal(await registry.metrics(), await reference(observations).metrics());
  });

  it('exposes only the headers before the first request, and again after a reset', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...names });
    assert.equal(await registry.metrics(), await reference([]).metrics());
    metrics.observe('GET', '/api/v1/items', 200, 0.001);
    registry.resetMetrics();
    assert.equal(await registry.metrics(), await reference([]).metrics());
  });

  it('the JSON form matches too', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...names });
    for (const [method, route, status, seconds] of observations) metrics.observe(method, route, status, seconds);
    const strip = (json: unknown) => JSON.parse(JSON.stringify(json)) as unknown;
    assert.deepEqual(strip(await registry.getMetricsAsJSON()), strip(await reference(observations).getMetricsAsJSON()));
  });
});
