/** Formatting of benchmark results as a Markdown table. */
export interface Result {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  /** CPU per request of each round: their spread shows how much the shared machine moved the numbers. */
  cpuMicrosPerRequestByRound: number[];
  rssBytes: number;
}

export const MIB = 1024 * 1024;

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [format(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(format)].join('\n');
}

export const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** Each variant beside the first: throughput, latency, CPU per request, RSS, and both ratios to the first. */
export function comparisonTable(results: Result[], memoryLimitBytes: number): string {
  const base = results[0]!;
  return table(
    ['variant', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'rounds min–max', `ratio to ${base.name} (req/s)`, 'ratio (CPU/req)', 'RSS MiB', 'RSS / pod limit'],
    results.map((result) => [
      result.name,
      result.requestsPerSecond.toFixed(0),
      result.p50.toFixed(2),
      result.p99.toFixed(2),
      result.cpuMicrosPerRequest.toFixed(0),
      `${Math.min(...result.cpuMicrosPerRequestByRound).toFixed(0)}–${Math.max(...result.cpuMicrosPerRequestByRound).toFixed(0)}`,
      percent(result.requestsPerSecond / base.requestsPerSecond),
      percent(base.cpuMicrosPerRequest / result.cpuMicrosPerRequest),
      (result.rssBytes / MIB).toFixed(0),
      percent(result.rssBytes / memoryLimitBytes),
    ]),
  );
}

export function target(label: string, ratio: number, minimum: number): string {
  return `target ${label} >= ${percent(minimum)}: ${percent(ratio)} ${ratio >= minimum ? 'MET' : 'NOT MET'}`;
}
