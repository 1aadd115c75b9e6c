import assert from 'node:assert/strict';
import { Agent, request, type IncomingMessage, type RequestOptions } from 'node:http';
import { startChildService, type ChildService } from './support/child-service.js';

function httpRequest(options: RequestOptions, body?: string): Promise<{ status: number; body: string; response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(options, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, response }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function waitUntilRefused(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      await httpRequest({ host: '127.0.0.1', port, path: '/health', agent: false });
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the listener never closed');
}

describe('graceful shutdown (built service as a child process)', function () {
  this.timeout(30_000);
  let service: ChildService;

  it('on SIGTERM: readiness 503 at once, in-flight request completes, keep-alive connections closed, exit 0', async () => {
    service = await startChildService({ LOG_LEVEL: 'debug', SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_DRAIN_SECONDS: '5', SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const { port } = service;

    // Idle keep-alive connections, as a load balancer or client pool would hold them.
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 3 });
    const held = await Promise.all([1, 2, 3].map(() => httpRequest({ host: '127.0.0.1', port, path: '/health', agent: keepAlive })));
    assert.ok(held.every((result) => result.response.headers.connection === 'keep-alive'));
    const heldSockets = Object.values(keepAlive.freeSockets).flat();
    assert.equal(heldSockets.length, 3);
    const heldClosed = heldSockets.map((socket) => new Promise<void>((resolve) => socket!.once('close', () => resolve())));

    // A slow upload on its own keep-alive connection: headers and part of the body now, the rest only after the
    // listener has closed. Its connection must still be closed once the response is sent, or close() would hang.
    const slowAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const payload = JSON.stringify({ name: 'in-flight', price: 3 });
    let inFlightResult: Promise<{ status: number; body: string; connection: string | undefined }>;
    const slow = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/items/',
      agent: slowAgent,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
    });
    inFlightResult = new Promise((resolve, reject) => {
      slow.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, connection: response.headers.connection }));
      });
      slow.on('error', reject);
    });
    slow.write(payload.slice(0, 10));
    await service.waitForEvent('request_started'); // first one could be a probe; wait for the POST explicitly below
    for (let attempt = 0; attempt < 100 && !service.lines.some((line) => line.event === 'request_started' && line.method === 'POST'); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(service.lines.some((line) => line.event === 'request_started' && line.method === 'POST'), 'the slow POST is in flight');

    service.process.kill('SIGTERM');
    await service.waitForEvent('application_shutting_down');
    const readyAgent = new Agent({ keepAlive: true });
    const ready = await httpRequest({ host: '127.0.0.1', port, path: '/ready', agent: readyAgent });
    readyAgent.destroy();
    assert.equal(ready.status, 503);
    assert.equal(ready.response.headers.connection, 'close', 'clients are told to reconnect elsewhere');
    assert.equal((JSON.parse(ready.body) as { checks: Record<string, string> }).checks.shutdown, 'shutting_down');

    await waitUntilRefused(port);
    slow.end(payload.slice(10));
    const inFlight = await inFlightResult;
    assert.equal(inFlight.status, 201, 'the in-flight request finished after the listener closed');
    assert.equal((JSON.parse(inFlight.body) as { name: string }).name, 'in-flight');
    const slowSocketClosed = new Promise<void>((resolve) => {
      const socket = Object.values(slowAgent.freeSockets).flat()[0];
      if (socket === undefined) resolve();
      else socket.once('close', () => resolve());
    });

    assert.equal(await service.exited, 0);
    await Promise.all([...heldClosed, slowSocketClosed]);
    keepAlive.destroy();
    slowAgent.destroy();
    const events = service.lines.map((line) => line.event);
    assert.ok(events.indexOf('application_shutting_down') < events.indexOf('application_stopped'));
    assert.ok(!events.includes('shutdown_timed_out'));
  });

  it('SIGINT shuts down the same way', async () => {
    service = await startChildService({ SHUTDOWN_DELAY_SECONDS: '0' });
    service.process.kill('SIGINT');
    assert.equal(await service.exited, 0);
    assert.equal(service.lines.find((line) => line.event === 'application_shutting_down')?.signal, 'SIGINT');
  });
});
