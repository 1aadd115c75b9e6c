import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CollectedSpan {
  name: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) result[key] = Object.values(value)[0];
  return result;
}

/** Accepts OTLP/HTTP JSON trace exports on /v1/traces, as a Jaeger collector's 4318 port does. */
export async function startOtlpTestCollector(): Promise<{ url: string; spans: CollectedSpan[]; close(): Promise<void> }> {
  const spans: CollectedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: Array<{
            resource: { attributes: OtlpAttribute[] };
            scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; spanId: string; attributes: OtlpAttribute[] }> }>;
          }>;
        };
        for (const resourceSpan of body.resourceSpans) {
          const resource = attributes(resourceSpan.resource.attributes);
          for (const scope of resourceSpan.scopeSpans) {
            for (const span of scope.spans) {
              spans.push({ name: span.name, traceId: span.traceId, spanId: span.spanId, attributes: attributes(span.attributes), resource });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
