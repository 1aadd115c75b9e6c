import type { Scheduler } from '../../src/vault/secret-manager.js';

/** A Scheduler whose timers fire only when the test says so, so TTL-driven behaviour runs without waiting. */
export class ManualScheduler implements Scheduler {
  private queue: Array<{ delayMs: number; callback: () => void; cancelled: boolean }> = [];

  schedule(callback: () => void, delayMs: number): { cancel(): void } {
    const entry = { delayMs, callback, cancelled: false };
    this.queue.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Delays of the timers that are still pending. */
  pendingDelays(): number[] {
    return this.queue.filter((entry) => !entry.cancelled).map((entry) => entry.delayMs);
  }

  /** Drops the oldest pending timer without firing it. */
  skipNext(): void {
    this.queue = this.queue.filter((entry) => !entry.cancelled);
    if (this.queue.shift() === undefined) throw new Error('no timer is pending');
  }

  /** Fires the oldest pending timer and returns its delay. */
  fireNext(): number {
    this.queue = this.queue.filter((entry) => !entry.cancelled);
    const next = this.queue.shift();
    if (next === undefined) throw new Error('no timer is pending');
    next.callback();
    return next.delayMs;
  }
}
