import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses every HTTP/1.1 response in a byte stream (bodies framed by Content-Length, as this service sends them). */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? '0');
    const bodyStart = headEnd + 4;
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(bodyStart, bodyStart + length) });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}

/** A raw TCP connection, for requests fetch() refuses to send (malformed, oversized, slow or pipelined). */
export class RawConnection {
  private received = '';
  readonly closed: Promise<void>;
  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (this.received += chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  responses(): RawResponse[] {
    return parseResponses(this.received);
  }

  /** Resolves once `count` complete responses arrived, or rejects when the server closed before. */
  async waitForResponses(count: number): Promise<RawResponse[]> {
    for (;;) {
      const responses = this.responses();
      if (responses.length >= count) return responses;
      if (this.socket.destroyed || this.socket.readableEnded) throw new Error(`connection closed after ${responses.length} responses: ${this.received}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Sends one request and waits for the connection to close (the server answers parser errors and closes). */
  static async exchange(port: number, text: string): Promise<RawResponse[]> {
    const connection = await RawConnection.open(port);
    connection.write(text);
    await connection.closed;
    return connection.responses();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
