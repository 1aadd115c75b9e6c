import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  path: string;
  body: Record<string, unknown>;
}

/** A receiver on 127.0.0.1 that records each notification and lets a test wait for the next one. */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private waiters: ((delivery: Delivery) => void)[] = [];
  private readonly server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    request.on("end", () => {
      const delivery = { path: request.url ?? "", body: JSON.parse(text) as Record<string, unknown> };
      this.deliveries.push(delivery);
      for (const waiter of this.waiters.splice(0)) waiter(delivery);
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves with the first delivery for which `matches` holds, one already received included. */
  next(matches: (delivery: Delivery) => boolean): Promise<Delivery> {
    const seen = this.deliveries.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const waiter = (delivery: Delivery) => (matches(delivery) ? resolve(delivery) : this.waiters.push(waiter));
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
