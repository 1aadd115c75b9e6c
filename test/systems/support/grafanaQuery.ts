/**
 * A dashboard query as Grafana would send it to Prometheus: its variables replaced by the values a user picked
 * and its built-in intervals by what Grafana computes. A single-valued variable is its value; a multi-valued
 * one (or "All") in a regex matcher becomes `(a|b)` with each value regex-escaped, as Grafana's Prometheus
 * datasource formats it.
 */

/** Grafana's built-in intervals for a 1 h range with Prometheus scraping every 30 s. */
export const GRAFANA_INTERVALS = {
  // max($__interval + scrape interval, 4 × scrape interval), the datasource's scrape interval being 30 s.
  __rate_interval: "2m",
  __interval: "30s",
  __range: "1h",
} as const;

const regexEscape = (value: string) => value.replace(/[\\^$*+?.()|[\]{}]/g, "\\\\$&");

/** A variable's value as Grafana writes it into PromQL. */
export function formatValue(values: readonly string[]): string {
  if (values.length === 0) throw new Error("a dashboard variable needs at least one value");
  return values.length === 1 ? regexEscape(values[0]!) : `(${values.map(regexEscape).join("|")})`;
}

/** Replaces `$name`, `${name}` and the built-in intervals; refuses a variable it has no value for. */
export function interpolate(expr: string, variables: Record<string, readonly string[]>): string {
  const values: Record<string, string> = { ...GRAFANA_INTERVALS };
  for (const [name, picked] of Object.entries(variables)) values[name] = formatValue(picked);
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for the dashboard variable ${whole} in ${expr}`);
    return value;
  });
}
