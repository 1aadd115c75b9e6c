import Router from 'find-my-way';

/**
 * Which methods each route path accepts, so a request with an undeclared method on a known path gets 405 with
 * `Allow` instead of 404. A second find-my-way router (Fastify's own) matches concrete paths against the same
 * route patterns; Fastify itself only exposes lookups by pattern.
 */
export class MethodIndex {
  private readonly router = Router({ ignoreTrailingSlash: true });
  private readonly methods = new Set<Router.HTTPMethod>();

  add(method: string | string[], url: string): void {
    for (const one of Array.isArray(method) ? method : [method]) {
      const upper = one.toUpperCase() as Router.HTTPMethod;
      this.methods.add(upper);
      if (this.router.find(upper, url) === null) this.router.on(upper, url, () => undefined);
    }
  }

  /** The methods declared for the path (empty when the path is unknown), in a stable order. */
  allowed(path: string): string[] {
    return [...this.methods].filter((method) => this.router.find(method, path) !== null).sort();
  }
}
