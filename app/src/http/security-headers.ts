import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's defaults are made for HTML pages. Those that only change how a browser treats a document it renders
 * (window isolation, DNS prefetch, IE8 downloads, Flash/PDF cross-domain policy, the legacy XSS filter) are off
 * everywhere: each header costs validation and bytes on every response.
 */
const BROWSER_ONLY_OFF = {
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const satisfies HelmetOptions;

/**
 * A JSON answer is never a document that loads anything: its policy forbids every source and every framing, as
 * the OWASP REST security guidance recommends for APIs. Helmet's page policy (300 characters of sources for
 * scripts, styles and fonts) is for the one HTML page, /docs.
 */
const API_OPTIONS: HelmetOptions = {
  ...BROWSER_ONLY_OFF,
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
};

const DOCUMENT_OPTIONS: HelmetOptions = BROWSER_ONLY_OFF;

/*
 * Helmet's security headers, computed once by the callers. @fastify/helmet re-runs helmet's middleware on every
 * request; a profile under load showed that cost, and the headers never vary per request.
 */

/** Every JSON answer: the API, probes, /metrics and errors. */
export function apiSecurityHeaders(): Readonly<Record<string, string>> {
  return headersOf(API_OPTIONS);
}

/** The /docs page and its assets. It has the same header names as the API set, so it replaces each one. */
export function documentSecurityHeaders(): Readonly<Record<string, string>> {
  return headersOf(DOCUMENT_OPTIONS);
}

function headersOf(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, collector as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}
