import assert from 'node:assert/strict';
import { startChildService } from './support/child-service.js';
import { RawConnection } from './support/raw-http.js';

/** Waits until the child logged `event` `count` times (log lines are the only view into the child). */
async function untilLogged(lines: Array<Record<string, unknown>>, event: string, count: number, match: (line: Record<string, unknown>) => boolean = () => true): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    if (lines.filter((line) => line.event === event && match(line)).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} "${event}" lines`);
}

describe('shutdown with hostile clients (built service as a child process)', function () {
  this.timeout(40_000);

  it('slow and silent connections are closed after the drain budget: exit 0, no watchdog, in-flight work done', async () => {
    const service = await startChildService({ LOG_LEVEL: 'debug', SHUTDOWN_DELAY_SECONDS: '0', SHUTDOWN_DRAIN_SECONDS: '2', SHUTDOWN_TIMEOUT_SECONDS: '15' });
    const silent = await RawConnection.open(service.port);
    const slowHeaders = await RawConnection.open(service.port);
    slowHeaders.write('GET /api/v1/items/ HTTP/1.1\r\nHost: x\r\nx-slow: ');
    const slowBody = await RawConnection.open(service.port);
    slowBody.write('POST /api/v1/items/ HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":');
    await untilLogged(service.lines, 'request_started', 1, (line) => line.method === 'POST');

    service.process.kill('SIGTERM');
    assert.equal(await service.exited, 0, 'exit 0, not the watchdog exit 1');
    await Promise.all([silent.closed, slowHeaders.closed, slowBody.closed]);
    const events = service.lines.map((line) => line.event);
    assert.ok(events.includes('shutdown_drain_expired_closing_connections'));
    assert.ok(!events.includes('shutdown_timed_out'));
    assert.ok(events.includes('application_stopped'));
  });

  it('a second and third SIGTERM do not cut the drain short: the in-flight POST completes and the exit is 0', async () => {
    const service = await startChildService({ LOG_LEVEL: 'debug', SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_DRAIN_SECONDS: '8', SHUTDOWN_TIMEOUT_SECONDS: '15', API_KEY: 'signal-test-key-0123456789' });
    const body = JSON.stringify({ name: 'in-flight', price: 2 });
    const upload = await RawConnection.open(service.port);
    upload.write(
      'POST /api/v1/items/ HTTP/1.1\r\nHost: x\r\nauthorization: Bearer signal-test-key-0123456789\r\n' +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 4)}`,
    );
    await untilLogged(service.lines, 'request_started', 1, (line) => line.method === 'POST');
    service.process.kill('SIGTERM');
    await untilLogged(service.lines, 'application_shutting_down', 1);
    service.process.kill('SIGTERM');
    service.process.kill('SIGINT');
    await untilLogged(service.lines, 'shutdown_signal_ignored_already_draining', 2);
    upload.write(body.slice(4));
    const [created] = await upload.waitForResponses(1);
    assert.equal(created?.status, 201);
    assert.equal(await service.exited, 0);
  });
});
