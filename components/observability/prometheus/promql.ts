/** Label matchers of a PromQL selector, shared by every rule builder here. */
export type Labels = Record<string, string>;

/** A PromQL label selector; values come from validated config (DNS labels), so no escaping is needed. */
export function selector(equal: Labels, regexMatch: Labels = {}): string {
  const matchers = [
    ...Object.entries(equal).map(([key, value]) => `${key}="${value}"`),
    ...Object.entries(regexMatch).map(([key, value]) => `${key}=~"${value}"`),
  ];
  return `{${matchers.join(",")}}`;
}
