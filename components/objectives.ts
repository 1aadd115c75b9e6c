import { z } from "zod";

/**
 * Service level objectives: what a service promises, from which the platform generates its recording rules,
 * burn-rate alerts and error budget (observability/prometheus/sloRules.ts, docs/slos.md).
 *
 * The latency objective is read from the request histogram every service exposes
 * (`http_request_duration_seconds`), so its threshold must be one of the histogram's bucket bounds: the share
 * of requests under a threshold is exact only at a bound. These are the bounds of that contract; the Items
 * API's own list (app/src/metrics/metrics.ts) equals it, and test/unit/observability/slo-config.test.ts keeps the two equal.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The window an objective is measured over, in days. At least a week: the slowest ticket alert looks back
 * 3 days, so a shorter window would have spent half its budget or more before that alert could fire. At
 * most 90 days: Prometheus must keep the whole window (checked against its retention in stackConfig.ts).
 */
export const WINDOW_DAYS = { min: 7, max: 90 } as const;

export const OBJECTIVE_KINDS = ["availability", "latency"] as const;
export type ObjectiveKind = (typeof OBJECTIVE_KINDS)[number];

const target = z
  .number({ error: "expected a percentage such as 99.9" })
  .refine((value) => value < 100, "must be below 100: an objective of 100% leaves no error budget, so every single error would page")
  .refine((value) => value >= 50, "must be at least 50: below that more requests may fail than succeed, which is no objective");

const window = z
  .string({ error: "expected a whole number of days such as 28d" })
  .regex(/^[0-9]+d$/, "must be a whole number of days such as 28d (the error budget is counted in days)")
  .transform((value) => Number(value.slice(0, -1)))
  .refine((days) => days >= WINDOW_DAYS.min, `must be at least ${WINDOW_DAYS.min}d: the slowest alert looks back 3 days, so a shorter window spends most of its budget before any ticket fires`)
  .refine((days) => days <= WINDOW_DAYS.max, `must be at most ${WINDOW_DAYS.max}d`);

/** The bucket bounds either side of a value that is not one, for the error message. */
export function nearestBuckets(seconds: number): string {
  const below = LATENCY_BUCKETS_SECONDS.filter((bound) => bound < seconds).at(-1);
  const above = LATENCY_BUCKETS_SECONDS.find((bound) => bound > seconds);
  return [below, above].filter((bound) => bound !== undefined).join(" and ");
}

const thresholdSeconds = z.number({ error: "expected seconds such as 0.25" }).superRefine((seconds, ctx) => {
  if (!LATENCY_BUCKETS_SECONDS.includes(seconds)) {
    ctx.addIssue({
      code: "custom",
      message: `${seconds} is not a bucket bound of http_request_duration_seconds, so the share of requests under it cannot be measured; the nearest bounds are ${nearestBuckets(seconds)} (all bounds: ${LATENCY_BUCKETS_SECONDS.join(", ")})`,
    });
  }
});

const availabilitySchema = z.strictObject({ target, window });
const latencySchema = z.strictObject({ target, window, thresholdSeconds });

/**
 * Objectives as config states them: the platform's defaults (`objectives`) and each service's own
 * (`services.<name>.objectives`). A service's entry for a kind replaces the default of that kind whole;
 * `false` turns the default off for that service.
 */
export const objectivesSchema = z.strictObject({
  availability: z.union([z.literal(false), availabilitySchema], { error: "expected false (no objective) or an objective such as { target: 99.9, window: 28d }" }).optional(),
  latency: z.union([z.literal(false), latencySchema], { error: "expected false (no objective) or an objective such as { target: 99, thresholdSeconds: 0.25, window: 28d }" }).optional(),
});
export type ObjectivesConfig = z.infer<typeof objectivesSchema>;

/** One objective of one service, resolved: `target` in percent, the window in days. */
export interface Objective {
  kind: ObjectiveKind;
  target: number;
  windowDays: number;
  /** Latency only: a request slower than this counts against the objective. */
  thresholdSeconds?: number;
}

/** The objectives a service has: its own entry per kind, else the platform's default; none where neither is set or it is `false`. */
export function resolveObjectives(defaults: ObjectivesConfig | undefined, own: ObjectivesConfig | undefined): Objective[] {
  return OBJECTIVE_KINDS.flatMap((kind): Objective[] => {
    const chosen = own?.[kind] ?? defaults?.[kind];
    if (chosen === undefined || chosen === false) return [];
    const threshold = kind === "latency" ? { thresholdSeconds: (chosen as z.infer<typeof latencySchema>).thresholdSeconds } : {};
    return [{ kind, target: chosen.target, windowDays: chosen.window, ...threshold }];
  });
}

/** A duration in Prometheus's notation (`15d`, `2w`, `48h`, `1y`) in days, for the retention check. */
export function prometheusDurationDays(duration: string): number {
  const match = /^([0-9]+)(y|w|d|h)$/.exec(duration);
  if (!match) throw new Error(`not a Prometheus retention duration: ${duration}`);
  const perUnit = { y: 365, w: 7, d: 1, h: 1 / 24 }[match[2] as "y" | "w" | "d" | "h"];
  return Number(match[1]) * perUnit;
}
