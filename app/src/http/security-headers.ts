import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * Helmet's security headers, computed once. @fastify/helmet re-runs helmet's middleware on every request; a
 * profile under load showed that cost, and for a JSON API the headers never vary per request.
 *
 * Helmet's defaults are made for HTML pages. Those that only change how a browser treats a document it renders
 * (window isolation, DNS prefetch, IE8 downloads, Flash/PDF cross-domain policy, the legacy XSS filter) are off:
 * this API renders nothing but the /docs page, and each header costs validation and bytes on every response.
 * What stays: CSP (the /docs page), HSTS, nosniff, framing, referrer and cross-origin resource policy.
 */
const JSON_API_HELMET_OPTIONS = {
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const;

export function computeSecurityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(JSON_API_HELMET_OPTIONS)({} as IncomingMessage, collector as unknown as ServerResponse, () => undefined);
  return headers;
}
