import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Status the receiver answered. */
  status: number;
}

/** A real HTTP server on 127.0.0.1 standing in for Slack or a webhook endpoint in tests and benchmarks. */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Status answered to the next requests (consumed first), then `status`. */
  readonly script: number[] = [];
  status = 200;
  /** Extra headers sent with every answer (e.g. Retry-After). */
  responseHeaders: Record<string, string> = {};
  /** When true, requests are held open and never answered (a hung receiver). */
  hang = false;
  /** Start hanging once this many requests were accepted. */
  hangAfter = Number.POSITIVE_INFINITY;
  /** Requests held open by a hung receiver (never answered). */
  readonly held: ReceivedRequest[] = [];
  private server: Server | null = null;
  private readonly releases = new Set<() => void>();
  onRequest: ((r: ReceivedRequest) => void) | null = null;

  /** Starts listening on a random free port; resolves with the base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: ReceivedRequest = {
          at: performance.now(),
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status: 0,
        };
        if (this.hang || this.accepted().length >= this.hangAfter) {
          this.held.push(r);
          const release = () => res.destroy();
          this.releases.add(release);
          res.on('close', () => this.releases.delete(release));
          return;
        }
        const status = this.script.shift() ?? this.status;
        r.status = status;
        this.requests.push(r);
        this.onRequest?.(r);
        res.writeHead(status, { 'content-type': 'text/plain', ...this.responseHeaders }).end(status < 300 ? 'ok' : 'error');
      });
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests answered with a 2xx. */
  accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => r.status < 300);
  }

  /** Stops the server, dropping held requests. */
  async stop(): Promise<void> {
    for (const release of this.releases) release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
    this.server = null;
  }
}
