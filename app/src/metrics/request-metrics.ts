import type { Registry } from 'prom-client';

type RequestLabels = Record<'method' | 'route' | 'status_code', string>;

/**
 * A value as prom-client's registry formats it for the text exposition: `sharedLabels` are the label set,
 * `labels` what one line adds (a bucket's `le`); `exemplar` is null on buckets, as prom-client sets it.
 */
interface ExposedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  sharedLabels?: RequestLabels;
  exemplar?: null;
}

/** The JSON form (`get()`) has the label set merged into each value's labels, as prom-client's histogram does. */
function splay({ sharedLabels, labels, ...rest }: ExposedValue): ExposedValue {
  return { ...rest, labels: { ...labels, ...sharedLabels } };
}

/** One label set's counts, bound once and then updated in place. */
interface Child {
  labels: RequestLabels;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); beyond the last bound they count only in `count`. */
  perBucket: number[];
}

export interface RequestMetricsOptions {
  registry: Registry;
  counterName: string;
  counterHelp: string;
  histogramName: string;
  histogramHelp: string;
  buckets: number[];
}

/**
 * The API's request counter and duration histogram: one pre-bound child per method, route template and status,
 * found by three map lookups. Hand-written rather than prom-client's Counter and Histogram: those hash the label
 * object into a string key and validate it on every call, and their bound children (`labels()`) do the same per
 * call; that was about a microsecond per request, for label sets that repeat on every request. The exposition is
 * prom-client's: both metrics are registered in its registry and hand it values of the shape its own metrics do.
 */
export class RequestMetrics {
  private readonly byMethod = new Map<string, Map<string, Map<number, Child>>>();
  /** In creation order, which is the order prom-client exposes label sets in. */
  private readonly children: Child[] = [];

  constructor(private readonly options: RequestMetricsOptions) {
    const { registry, counterName, counterHelp, histogramName, histogramHelp } = options;
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => ExposedValue[]) => ({
      name,
      help,
      type,
      aggregator: 'sum' as const,
      getForPromString: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }),
      get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values().map(splay) }),
      reset: () => this.reset(),
    });
    // registerMetric's typing asks for a whole prom-client Metric; the registry only uses name, type, the two
    // getters and reset().
    const register = (entry: ReturnType<typeof metric>) => registry.registerMetric(entry as unknown as Parameters<Registry['registerMetric']>[0]);
    register(metric(counterName, counterHelp, 'counter', () => this.children.map((child) => ({ labels: child.labels, value: child.count }))));
    register(metric(histogramName, histogramHelp, 'histogram', () => this.children.flatMap((child) => this.histogramValues(child))));
  }

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const child = this.child(method, route, statusCode);
    child.count += 1;
    child.sum += seconds;
    const buckets = this.options.buckets;
    for (let index = 0; index < buckets.length; index += 1) {
      if (seconds <= buckets[index]!) {
        child.perBucket[index]! += 1;
        return;
      }
    }
  }

  private child(method: string, route: string, statusCode: number): Child {
    let byRoute = this.byMethod.get(method);
    if (byRoute === undefined) this.byMethod.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (byStatus === undefined) byRoute.set(route, (byStatus = new Map()));
    let child = byStatus.get(statusCode);
    if (child === undefined) {
      child = { labels: { method, route, status_code: String(statusCode) }, count: 0, sum: 0, perBucket: this.options.buckets.map(() => 0) };
      byStatus.set(statusCode, child);
      this.children.push(child);
    }
    return child;
  }

  /** prom-client's histogram values: cumulative buckets with `le`, then +Inf, _sum and _count, per label set. */
  private histogramValues(child: Child): ExposedValue[] {
    const name = this.options.histogramName;
    const sharedLabels = child.labels;
    let cumulative = 0;
    const buckets = this.options.buckets.map((bound, index) => {
      cumulative += child.perBucket[index]!;
      return { labels: { le: bound }, value: cumulative, metricName: `${name}_bucket`, sharedLabels, exemplar: null };
    });
    return [
      ...buckets,
      { labels: { le: '+Inf' }, value: child.count, metricName: `${name}_bucket`, sharedLabels, exemplar: null },
      { labels: {}, value: child.sum, metricName: `${name}_sum`, sharedLabels },
      { labels: {}, value: child.count, metricName: `${name}_count`, sharedLabels },
    ];
  }

  /** As prom-client's reset: the label sets go, not only their counts. */
  private reset(): void {
    this.byMethod.clear();
    this.children.length = 0;
  }
}
