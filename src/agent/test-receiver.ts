import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A stored sample, as the receiver saw it arrive. */
export interface ReceivedSample {
  t: number;
  v: number | string;
}

/** What the receiver does with one request before storing it; `lose-ack` stores the batch and then cuts the connection. */
export type ReceiverAction = { status: number; retryAfter?: string } | 'lose-ack' | undefined;

/** Options for the ingest receiver used by the agent's tests and benchmark. */
export interface ReceiverOptions {
  key: string;
  /** Called for every request; return an action to fail it, or undefined to handle it normally. */
  intercept?: (requestNo: number) => ReceiverAction;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/**
 * A real HTTP server implementing Vigil's ingest contract (`POST /api/v1/ingest`, bearer key, gzip JSON, 200
 * `{accepted, rejected}`) with the server's de-duplication of identical (series, t, v) replays, recording what it stored
 * in arrival order. Used where the full server is not needed: the agent's outage tests and its benchmark.
 */
export class IngestReceiver {
  /** Stored samples per series key, in arrival order. */
  readonly series = new Map<string, ReceivedSample[]>();
  /** Requests answered 200. */
  accepted = 0;
  /** Identical samples received again and skipped. */
  duplicates = 0;
  /** Requests seen (all outcomes). */
  requests = 0;
  /** Uncompressed JSON bytes received. */
  bytes = 0;
  private server: http.Server | undefined;
  private port = 0;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private readonly opts: ReceiverOptions) {}

  /** Base URL, e.g. `http://127.0.0.1:43111`. */
  get url(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** Listens on 127.0.0.1: a random free port the first time, the same port again after `stop()`. */
  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    const server = this.opts.tls ? https.createServer(this.opts.tls, handler) : http.createServer(handler);
    server.on(this.opts.tls ? 'secureConnection' : 'connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection, like a server that went away. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Stored samples of the series whose key contains every given fragment. */
  find(...fragments: string[]): ReceivedSample[] {
    for (const [k, v] of this.series) if (fragments.every((f) => k.includes(f))) return v;
    return [];
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const n = ++this.requests;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/api/v1/ingest') return reply(404, { error: 'not found' });
      if (req.headers.authorization !== `Bearer ${this.opts.key}`) return reply(401, { error: 'bad key' });
      const action = this.opts.intercept?.(n);
      if (action !== undefined && action !== 'lose-ack') {
        return reply(action.status, { error: 'intercepted' }, action.retryAfter ? { 'retry-after': action.retryAfter } : {});
      }
      let doc: { series?: { labels: Record<string, string>; samples: [number, number | string][] }[] };
      try {
        const raw = Buffer.concat(chunks);
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        this.bytes += text.length;
        doc = JSON.parse(text);
      } catch {
        return reply(400, { error: 'bad body' });
      }
      if (!Array.isArray(doc.series)) return reply(400, { error: 'series missing' });
      let accepted = 0;
      for (const s of doc.series) {
        const key = JSON.stringify(Object.entries(s.labels).sort());
        let list = this.series.get(key);
        if (!list) {
          list = [];
          this.series.set(key, list);
        }
        for (const [t, v] of s.samples) {
          if (list.some((x) => x.t === t && x.v === v)) {
            this.duplicates++;
            continue;
          }
          list.push({ t, v });
          accepted++;
        }
      }
      this.accepted++;
      if (action === 'lose-ack') {
        req.socket.destroy();
        return;
      }
      reply(200, { accepted, rejected: [] });
    });
  }
}
