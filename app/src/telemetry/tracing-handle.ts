/** What the rest of the service knows about tracing; kept apart so "tracing off" never loads the OTel SDK. */
export interface Tracing {
  enabled: boolean;
  shutdown(): Promise<void>;
}

export const noTracing: Tracing = { enabled: false, shutdown: async () => undefined };
