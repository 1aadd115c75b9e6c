export interface BackoffPolicy {
  /** Delay cap for the first retry, doubled on each further attempt. */
  baseMs: number;
  /** Upper bound of any single delay. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half of the capped delay is fixed, half random. The fixed half keeps
 * retries from hammering a recovering server; the random half keeps replicas from retrying in lockstep.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 30));
  return Math.round(capped / 2 + random() * (capped / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
