/**
 * HTTP timeouts. Without them a client that sends nothing, or its headers or body a byte at a time, holds a
 * connection (and, during shutdown, the whole drain) for as long as it likes.
 */
export const HTTP_TIMEOUTS = {
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: 10_000,
  /** The whole request, body included (at most BODY_LIMIT_BYTES), must arrive within this. */
  requestTimeoutMs: 30_000,
  /**
   * Idle keep-alive connections are closed after this. Longer than the 60 s upstream keep-alive of common
   * ingress proxies, so the proxy, not the service, closes an idle connection and never reuses a closing one.
   */
  keepAliveTimeoutMs: 65_000,
  /** How often Node checks the two timeouts above (its default, 30 s, would let a slow client overstay by as much). */
  connectionsCheckingIntervalMs: 1_000,
} as const;
