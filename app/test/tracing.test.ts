import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { startChildService } from './support/child-service.js';
import { startOtlpTestCollector } from './support/otlp-test-collector.js';

describe('tracing (built service as a child process, OTLP/HTTP to a test collector)', function () {
  this.timeout(30_000);

  it('exports spans with the resource attributes, the request ID and a repository span; probes and /metrics are not traced', async () => {
    const collector = await startOtlpTestCollector();
    try {
      const service = await startChildService({
        OTEL_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        APP_NAME: 'items-api',
        APP_VERSION: '3.1.4',
        APP_ENV: 'staging',
        API_KEY: 'tracing-test-key-0123456789',
        SHUTDOWN_DELAY_SECONDS: '0',
      });
      const response = await fetch(`${service.baseUrl}/api/v1/items/`, { headers: { 'x-request-id': 'traced-request-1' } });
      assert.equal(response.status, 200);
      await fetch(`${service.baseUrl}/health`);
      await fetch(`${service.baseUrl}/ready`);
      await fetch(`${service.baseUrl}/metrics`);
      assert.equal(await service.stop(), 0, 'shutdown flushes the spans and exits 0');

      const tagged = collector.spans.filter((span) => span.attributes['request.id'] === 'traced-request-1');
      assert.ok(tagged.length >= 1, `a span carries request.id; got ${collector.spans.map((span) => span.name).join(', ')}`);
      const traceId = tagged[0]!.traceId;
      const repositorySpan = collector.spans.find((span) => span.name === 'items.repository.list');
      assert.ok(repositorySpan, 'manual span around the repository call');
      assert.equal(repositorySpan.traceId, traceId, 'the repository span is part of the request trace');
      assert.deepEqual(
        { name: tagged[0]!.resource['service.name'], version: tagged[0]!.resource['service.version'], env: tagged[0]!.resource['deployment.environment'] },
        { name: 'items-api', version: '3.1.4', env: 'staging' },
      );

      const allTraceIds = new Set(collector.spans.map((span) => span.traceId));
      assert.equal(allTraceIds.size, 1, 'only the API request produced a trace (probes and /metrics did not)');

      const completed = service.lines.find((line) => line.event === 'request_completed' && line.request_id === 'traced-request-1');
      assert.equal(completed?.trace_id, traceId, 'the log line carries the trace ID');
      assert.match(String(completed?.span_id), /^[0-9a-f]{16}$/);
    } finally {
      await collector.close();
    }
  });

  it('continues the trace of an incoming traceparent header', async () => {
    const collector = await startOtlpTestCollector();
    try {
      const service = await startChildService({ OTEL_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, SHUTDOWN_DELAY_SECONDS: '0' });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const response = await fetch(`${service.baseUrl}/api/v1/items/`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'continued-1' },
      });
      assert.equal(response.status, 200);
      assert.equal(await service.stop(), 0);
      const requestSpan = collector.spans.find((span) => span.attributes['request.id'] === 'continued-1');
      assert.equal(requestSpan?.traceId, traceId, 'the request span joins the caller\'s trace');
    } finally {
      await collector.close();
    }
  });

  it('with a sampler that drops every new trace: no span for an unsampled request, a full trace for a sampled caller (POST included)', async () => {
    const collector = await startOtlpTestCollector();
    try {
      const service = await startChildService({
        OTEL_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
        API_KEY: 'tracing-test-key-0123456789',
        SHUTDOWN_DELAY_SECONDS: '0',
      });
      assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`, { headers: { 'x-request-id': 'unsampled-1' } })).status, 200);
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const created = await fetch(`${service.baseUrl}/api/v1/items/`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer tracing-test-key-0123456789',
          'content-type': 'application/json',
          traceparent: `00-${traceId}-b7ad6b7169203331-01`,
          'x-request-id': 'sampled-post-1',
        },
        body: JSON.stringify({ name: 'traced', price: 1 }),
      });
      assert.equal(created.status, 201);
      assert.equal(await service.stop(), 0);
      assert.deepEqual([...new Set(collector.spans.map((span) => span.traceId))], [traceId], 'only the sampled caller\'s trace was exported');
      assert.ok(collector.spans.some((span) => span.name === 'POST /api/v1/items' && span.attributes['request.id'] === 'sampled-post-1'));
      assert.ok(collector.spans.some((span) => span.name === 'items.repository.create'), 'the handler ran inside the request context after body parsing');
    } finally {
      await collector.close();
    }
  });

  it('ends the span of a sampled request whose client goes away mid-body, marked aborted', async () => {
    const collector = await startOtlpTestCollector();
    try {
      const service = await startChildService({
        OTEL_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        API_KEY: 'tracing-test-key-0123456789',
        LOG_LEVEL: 'debug',
        SHUTDOWN_DELAY_SECONDS: '0',
      });
      const socket = connect(service.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST /api/v1/items/ HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer tracing-test-key-0123456789\r\n' +
          'content-type: application/json\r\ncontent-length: 100\r\nx-request-id: aborted-post-1\r\n\r\n{"name":',
      );
      // The request reached its hooks (the span started there) and now waits for a body that never comes.
      await service.waitForEvent('request_started');
      socket.destroy();
      assert.equal(await service.stop(), 0);
      const span = collector.spans.find((one) => one.attributes['request.id'] === 'aborted-post-1');
      assert.ok(span, `the aborted request's span was exported; got ${collector.spans.map((one) => one.name).join(', ')}`);
      assert.equal(span.attributes['http.request.aborted'], true);
      assert.equal(span.attributes['http.response.status_code'], undefined, 'no status: nothing was answered');
    } finally {
      await collector.close();
    }
  });

  it('keeps serving and exits 0 when the collector is unreachable', async () => {
    const service = await startChildService({
      OTEL_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    for (let index = 0; index < 50; index += 1) {
      assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`)).status, 200);
    }
    assert.equal(await service.stop(), 0);
  });
});
