import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { pressureOf } from '../src/http/protection.js';
import { startTestApp } from './support/test-app.js';

/** Keeps this process's event loop busy in short slices: utilization near 100%, each wait short. */
function keepLoopBusy(sliceMs: number, slices: number): Promise<void> {
  return new Promise((resolve) => {
    let left = slices;
    const slice = () => {
      const until = performance.now() + sliceMs;
      while (performance.now() < until) {
        // busy on purpose
      }
      left -= 1;
      if (left > 0) setImmediate(slice);
      else resolve();
    };
    setImmediate(slice);
  });
}

describe('load shedding thresholds', () => {
  it('compares a sample with the thresholds in under-pressure\'s order; a threshold of 0 or unset is off', () => {
    const calm = { eventLoopDelay: 5, heapUsed: 50, rssBytes: 100, eventLoopUtilized: 0.99 };
    const thresholds = { maxEventLoopDelay: 2000, maxHeapUsedBytes: 90, maxEventLoopUtilization: 0 };
    assert.equal(pressureOf(calm, thresholds), undefined);
    assert.equal(pressureOf({ ...calm, eventLoopDelay: Infinity }, thresholds), 'eventLoopDelay');
    assert.equal(pressureOf({ ...calm, heapUsed: 91 }, thresholds), 'heapUsedBytes');
    assert.equal(pressureOf({ ...calm, eventLoopDelay: 2001, heapUsed: 91 }, thresholds), 'eventLoopDelay');
    assert.equal(pressureOf({ ...calm, rssBytes: 1e12 }, thresholds), undefined, 'no RSS threshold set');
    assert.equal(pressureOf({ ...calm, rssBytes: 101 }, { ...thresholds, maxRssBytes: 100 }), 'rssBytes');
    assert.equal(pressureOf(calm, { ...thresholds, maxEventLoopUtilization: 0.98 }), 'eventLoopUtilization');
    assert.equal(pressureOf({ ...calm, eventLoopDelay: 2001 }, { ...thresholds, maxEventLoopDelay: 0 }), undefined);
  });

  it('defaults shed only on real overload: event-loop utilization is off, delay is twice the 1 s objective, heap 90%, 30 s warm-up', () => {
    const { limits } = loadConfig({});
    assert.equal(limits.maxEventLoopUtilization, 0);
    assert.equal(limits.maxEventLoopDelayMs, 2000);
    assert.equal(limits.maxHeapUsedPercent, 90);
    assert.equal(limits.loadShedWarmupSeconds, 30);
  });

  it('a busy but responsive event loop is not shed with the default thresholds', async () => {
    // The default 1 s sample interval: under-pressure reads a sample with no delay measurement in it (a loop
    // blocked for the whole interval) as infinite delay, which at very short intervals is an artefact.
    const service = await startTestApp({ env: { LOAD_SHED_WARMUP_SECONDS: '0' } });
    try {
      const statuses: number[] = [];
      const busy = keepLoopBusy(20, 125);
      for (let index = 0; index < 30; index += 1) statuses.push((await fetch(`${service.baseUrl}/api/v1/items/`)).status);
      await busy;
      for (let index = 0; index < 5; index += 1) statuses.push((await fetch(`${service.baseUrl}/api/v1/items/`)).status);
      assert.deepEqual(statuses, Array(35).fill(200));
      assert.equal(service.logs.events('load_shed').length, 0);
    } finally {
      await service.close();
    }
  });

  it('nothing is shed during warm-up, even under certain pressure', async () => {
    const service = await startTestApp({ env: { LOAD_SHED_WARMUP_SECONDS: '600' }, loadShedding: { maxHeapUsedBytes: 1, sampleInterval: 5 } });
    try {
      // Several samples pass while these requests run; each would be shed without the warm-up.
      for (let index = 0; index < 20; index += 1) {
        assert.equal((await fetch(`${service.baseUrl}/api/v1/items/`)).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await service.close();
    }
  });
});
