import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { requestSampler } from '../src/telemetry/request-sampling.js';
import type { SamplerSettings } from '../src/telemetry/sampler-settings.js';

/** An extracted remote parent, as propagation.extract leaves it for an incoming traceparent. */
function remoteParent(traceId: string, sampled: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
}

/** A fixed sequence instead of Math.random: the tests decide what the draw is. */
function draws(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

const settings = (name: SamplerSettings['name'], ratio = 1): SamplerSettings => ({ name, ratio });

describe('request sampling: the configured sampler decides before the SDK is asked for a span', () => {
  it('a request without a parent: always_on and always_off never draw, a ratio is a draw with that probability', () => {
    const noDraw = () => assert.fail('no random draw for a fixed decision');
    assert.equal(requestSampler(settings('parentbased_always_on'), noDraw)(ROOT_CONTEXT), true);
    assert.equal(requestSampler(settings('always_off'), noDraw)(ROOT_CONTEXT), false);
    assert.equal(requestSampler(settings('traceidratio', 0), noDraw)(ROOT_CONTEXT), false);
    assert.equal(requestSampler(settings('parentbased_traceidratio', 1), noDraw)(ROOT_CONTEXT), true);
    const tenth = requestSampler(settings('parentbased_traceidratio', 0.1), draws(0.05, 0.1, 0.5, 0.0999));
    assert.deepEqual([tenth(ROOT_CONTEXT), tenth(ROOT_CONTEXT), tenth(ROOT_CONTEXT), tenth(ROOT_CONTEXT)], [true, false, false, true]);
  });

  it('a parent-based sampler follows the incoming sampled flag, whatever its root would draw', () => {
    const noDraw = () => assert.fail('a parent decides, not a draw');
    for (const name of ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const) {
      const sampled = requestSampler(settings(name, 0), noDraw);
      assert.equal(sampled(remoteParent('4bf92f3577b34da6a3ce929d0e0e4736', true)), true, name);
      assert.equal(sampled(remoteParent('4bf92f3577b34da6a3ce929d0e0e4736', false)), false, name);
    }
  });

  it('a ratio sampler that is not parent-based decides on the parent\'s trace ID exactly as the SDK does', () => {
    const sdk = new TraceIdRatioBasedSampler(0.5);
    const sampled = requestSampler(settings('traceidratio', 0.5), () => assert.fail('the trace ID decides'));
    const decisions = new Set<boolean>();
    for (let index = 1; index <= 64; index += 1) {
      const traceId = (index * 0x9e3779b1 >>> 0).toString(16).padStart(8, '0').repeat(3) + '00000000';
      const expected = sdk.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
      assert.equal(sampled(remoteParent(traceId, !expected)), expected, traceId);
      decisions.add(expected);
    }
    assert.equal(decisions.size, 2, 'the trace IDs cover both decisions');
  });
});
