/**
 * The one change test:systems makes to what the staging render says: cluster hostnames and in-pod paths
 * become loopback addresses and temporary directories, so each real program runs on 127.0.0.1 with exactly
 * the rendered settings otherwise. Ports are kept as rendered.
 *
 * Every host and path asked for must occur in the text: a render that stops saying it fails here, instead of
 * silently running a config that no longer matches.
 */
export interface LoopbackRewrite {
  /** Hostnames to turn into 127.0.0.1; "" stands for the empty host of a listener such as PLAINTEXT://:9092. */
  hosts?: string[];
  /** In-pod path (a file or directory) → where it lives on the test host. */
  paths?: Record<string, string>;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const LOOPBACK = "127.0.0.1";

export function toLoopback(text: string, rewrite: LoopbackRewrite): string {
  let result = text;
  const replace = (what: string, pattern: RegExp, by: string) => {
    if (!pattern.test(result)) throw new Error(`toLoopback: '${what}' does not occur in the rendered text`);
    result = result.replace(new RegExp(pattern.source, "g"), by);
  };
  for (const host of rewrite.hosts ?? []) {
    // A whole hostname only: "kafka.ns.svc" must not match inside "kafka-0.kafka.ns.svc".
    if (host === "") replace("empty listener host", /(?<=:\/\/)(?=:\d)/, LOOPBACK);
    else replace(host, new RegExp(`(?<![A-Za-z0-9.-])${escape(host)}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`), LOOPBACK);
  }
  for (const [from, to] of Object.entries(rewrite.paths ?? {})) {
    if (!to.startsWith("/")) throw new Error(`toLoopback: '${to}' is not an absolute path`);
    replace(from, new RegExp(`(?<![A-Za-z0-9._/-])${escape(from)}(?![A-Za-z0-9._-])`), to);
  }
  return result;
}
