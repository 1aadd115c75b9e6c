import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A collector stand-in that accepts OTLP exports and discards them, so tracing pays the real export cost. */
export async function startSpanSink(): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('{}'));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
