export const CHECK_OK = 'ok';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

/**
 * Readiness is the conjunction of named checks. Each check returns "ok" or a short reason that operators can
 * read from `kubectl get --raw` or the probe failure event, such as "login_failed: connection refused".
 */
export class Readiness {
  private readonly checks = new Map<string, () => string>();
  private shuttingDown = false;

  constructor() {
    // Config is validated before the server exists, so a running server always has a valid config.
    this.checks.set('config', () => CHECK_OK);
    this.checks.set('shutdown', () => (this.shuttingDown ? 'shutting_down' : CHECK_OK));
  }

  addCheck(name: string, check: () => string): void {
    this.checks.set(name, check);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  report(): ReadinessReport {
    const checks: Record<string, string> = {};
    let ready = true;
    for (const [name, check] of this.checks) {
      const result = check();
      checks[name] = result;
      if (result !== CHECK_OK && result !== 'disabled') ready = false;
    }
    return { ready, checks };
  }
}
