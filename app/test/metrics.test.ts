import assert from 'node:assert/strict';
import { createMetrics, HTTP_DURATION_BUCKETS } from '../src/metrics/metrics.js';
import { authorization, postItem, startTestApp, type TestApp } from './support/test-app.js';

describe('GET /metrics (Prometheus text)', () => {
  let service: TestApp;
  let text: string;
  let contentType: string;
  before(async () => {
    service = await startTestApp();
    const created = (await (await postItem(service.baseUrl, { name: 'x', price: 2 })).json()) as { id: string };
    await fetch(`${service.baseUrl}/api/v1/items/${created.id}`);
    await fetch(`${service.baseUrl}/api/v1/items/${created.id}`, { method: 'DELETE', headers: authorization });
    await fetch(`${service.baseUrl}/api/v1/items/${created.id}`);
    await fetch(`${service.baseUrl}/definitely/unknown/path-123`);
    await fetch(`${service.baseUrl}/health`);
    await fetch(`${service.baseUrl}/ready`);
    await fetch(`${service.baseUrl}/metrics`);
    const response = await fetch(`${service.baseUrl}/metrics`);
    contentType = response.headers.get('content-type') ?? '';
    text = await response.text();
  });
  after(() => service.close());

  it('is served in the Prometheus text exposition format', () => {
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    assert.match(text, /^# HELP http_requests_total /m);
    assert.match(text, /^# TYPE http_requests_total counter$/m);
  });

  it('counts API requests by method, route template and status code', () => {
    assert.match(text, /^http_requests_total\{method="POST",route="\/api\/v1\/items",status_code="201"\} 1$/m);
    assert.match(text, /^http_requests_total\{method="GET",route="\/api\/v1\/items\/:id",status_code="200"\} 1$/m);
    assert.match(text, /^http_requests_total\{method="DELETE",route="\/api\/v1\/items\/:id",status_code="204"\} 1$/m);
    assert.match(text, /^http_requests_total\{method="GET",route="\/api\/v1\/items\/:id",status_code="404"\} 1$/m);
  });

  it('labels unknown paths with the fixed value "unmatched", never the raw URL', () => {
    assert.match(text, /^http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1$/m);
    assert.ok(!text.includes('path-123'));
    assert.ok(!/route="\/api\/v1\/items\/[0-9a-f]{8}-/.test(text), 'item IDs never become labels');
  });

  it('does not count probes or scrapes as API traffic', () => {
    assert.doesNotMatch(text, /route="\/health"/);
    assert.doesNotMatch(text, /route="\/ready"/);
    assert.doesNotMatch(text, /route="\/metrics"/);
  });

  it('exposes http_request_duration_seconds with the reference buckets', () => {
    const lines = [...text.matchAll(/^http_request_duration_seconds_bucket\{le="([^"]+)",method="POST",route="\/api\/v1\/items",status_code="201"\} (\d+)$/gm)];
    assert.deepEqual(
      lines.map((match) => match[1]),
      [...HTTP_DURATION_BUCKETS.map(String), '+Inf'],
    );
    // Cumulative counts of the one POST: which bucket it first lands in depends on how busy the machine is.
    const counts = lines.map((match) => Number(match[2]));
    assert.ok(counts.every((count, index) => count <= 1 && (index === 0 || count >= counts[index - 1]!)), counts.join(','));
    assert.equal(counts.at(-1), 1);
  });

  it('exposes the domain counters and the per-replica item gauge', () => {
    assert.match(text, /^items_created_total 1$/m);
    assert.match(text, /^items_deleted_total 1$/m);
    assert.match(text, /^items_stored 0$/m);
  });

  it('exposes the default process and Node.js metrics', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.match(text, new RegExp(`^${name} `, 'm'), name);
    }
  });

  it('counts the log lines the stdout writer dropped (log_lines_dropped_total), as the writer reports them', async () => {
    assert.match(text, /^log_lines_dropped_total 0$/m);
    let dropped = 5;
    const metrics = createMetrics(() => 0, () => dropped);
    assert.match(await metrics.registry.metrics(), /^log_lines_dropped_total 5$/m);
    dropped = 12;
    assert.match(await metrics.registry.metrics(), /^log_lines_dropped_total 12$/m);
  });
});
