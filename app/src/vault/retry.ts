import { backoffDelayMs, sleep as realSleep, type BackoffPolicy } from './backoff.js';

export interface RetryPolicy extends BackoffPolicy {
  /** Total tries, the first one included. */
  attempts: number;
}

/** Runs `operation` up to `policy.attempts` times, waiting a jittered backoff between retriable failures. */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  isRetriable: (error: unknown) => boolean,
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetriable(error)) throw error;
      await sleep(backoffDelayMs(attempt, policy));
    }
  }
}
